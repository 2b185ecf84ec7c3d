/**
 * GET /examples/* (the repo's example apps) and GET /sdk/* (the SDK's built bundles), served with
 * @fastify/static like the dashboard. A folder is served only at its slash form (`redirect`), so a
 * page's relative links (`quiz.js`) resolve against its folder; files are never cached, since they
 * change under a development server. Paths that leave a root are refused by @fastify/static.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { RouteGroup } from '../app.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const ROOTS = {
  examples: path.join(REPO_ROOT, 'examples'),
  sdk: path.join(REPO_ROOT, 'packages/sdk/dist'),
};

export const examplesRoutes: RouteGroup = async (app) => {
  for (const [prefix, root] of Object.entries(ROOTS)) {
    await app.register(fastifyStatic, {
      root,
      // Without its slash, so `/examples` itself redirects to `/examples/`.
      prefix: `/${prefix}`,
      // The dashboard's registration decorates the reply already.
      decorateReply: false,
      redirect: true,
      index: ['index.html'],
      cacheControl: false,
      setHeaders: (reply: { header(name: string, value: string): void }) => reply.header('cache-control', 'no-store'),
    });
  }
};
