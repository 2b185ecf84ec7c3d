// Builds the SDK: ESM bundles for bundlers/Node/React Native, minified IIFEs for script tags, type declarations.
// `node scripts/build.mjs --size` prints only the sizes (used by `npm run size` and the size test).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const src = (f) => path.join(root, 'src', f);

const common = {
  bundle: true,
  // Bundle @telemetry/spec from its sources (types and the level map only), so the SDK needs no built spec.
  conditions: ['development'],
  legalComments: 'none',
  // Private members are named _x; renaming them is safe and saves ~10% of the bundle.
  mangleProps: /^_[a-z]/,
  // Plain assignments for class fields: smaller than defineProperty, and mangled consistently.
  tsconfigRaw: { compilerOptions: { useDefineForClassFields: false } },
  logLevel: 'warning',
};

/** The IIFE builds: what a script tag loads, and what the size budget is measured on. */
export const IIFES = {
  'telemetry.min.js': src('iife.ts'),
  'telemetry-sunbird.min.js': src('iife-sunbird.ts'),
  'telemetry-autocapture.min.js': src('iife-autocapture.ts'),
};

async function buildAll() {
  fs.rmSync(dist, { recursive: true, force: true });
  const esm = { ...common, format: 'esm', target: 'es2018', platform: 'neutral', mainFields: ['module', 'main'] };
  await Promise.all([
    esbuild.build({ ...esm, entryPoints: [src('index.ts')], outfile: path.join(dist, 'telemetry.esm.js') }),
    esbuild.build({ ...esm, entryPoints: [src('autocapture.ts')], outfile: path.join(dist, 'autocapture.esm.js') }),
    esbuild.build({ ...esm, entryPoints: [src('facade.ts')], outfile: path.join(dist, 'facade.esm.js') }),
    esbuild.build({
      ...esm,
      platform: 'node',
      entryPoints: [src('node.ts')],
      outfile: path.join(dist, 'telemetry-node.esm.js'),
    }),
    ...Object.entries(IIFES).map(([out, entry]) =>
      esbuild.build({
        ...common,
        format: 'iife',
        target: 'es2020',
        minify: true,
        entryPoints: [entry],
        outfile: path.join(dist, out),
      }),
    ),
  ]);
  execFileSync(
    process.execPath,
    [path.join(root, '../../node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.json')],
    {
      stdio: 'inherit',
    },
  );
  vendorSpecTypes();
}

/**
 * Makes the type declarations stand alone, so the packed SDK needs no other package: @telemetry/spec's declarations
 * (types only; the JavaScript is bundled) are copied to dist/types/spec/ and the SDK's imports of them point there.
 */
function vendorSpecTypes() {
  const specDist = path.join(root, '../spec/dist');
  if (!fs.existsSync(path.join(specDist, 'types.d.ts'))) throw new Error('build @telemetry/spec first (npm run build)');
  const types = path.join(dist, 'types');
  fs.cpSync(specDist, path.join(types, 'spec'), { recursive: true, filter: (f) => !/\.(js|map)$/.test(f) });
  for (const file of fs.readdirSync(types).filter((f) => f.endsWith('.d.ts'))) {
    const text = fs.readFileSync(path.join(types, file), 'utf8');
    fs.writeFileSync(path.join(types, file), text.replace(/(['"])@telemetry\/spec\/(\w+)\1/g, '$1./spec/$2.js$1'));
  }
}

/** gzip -9 of each IIFE: deterministic for the same bytes, so a test can hold it to a budget. */
export function sizes() {
  const out = {};
  for (const name of Object.keys(IIFES)) {
    const bytes = fs.readFileSync(path.join(dist, name));
    out[name] = { raw: bytes.length, gzip: zlib.gzipSync(bytes, { level: 9 }).length };
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (!process.argv.includes('--size')) await buildAll();
  for (const [name, s] of Object.entries(sizes()))
    console.log(`${name.padEnd(30)} ${String(s.raw).padStart(7)} B  ${String(s.gzip).padStart(6)} B gzip`);
}
