import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// No React plugin: production builds only (JSX by Vite's own transform, the automatic runtime).
// @telemetry/query is read from its sources, so the dashboard builds without its dist.
export default defineConfig({
  resolve: { alias: { '@telemetry/query': fileURLToPath(new URL('../query/src/index.ts', import.meta.url)) } },
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1200,
    rollupOptions: {
      // TanStack Query marks its modules "use client" (for React Server Components): meaningless in a plain SPA.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  logLevel: 'warn',
});
