/**
 * The packages can be published: each has the fields a registry needs; `npm pack` of the SDK gives one tarball, with
 * no dependencies, that a scratch app installs offline (no registry), type-checks against (strict, no skipLibCheck)
 * and bundles with esbuild, and the bundle runs.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import * as esbuild from 'esbuild';

const ROOT = path.resolve(import.meta.dirname, '..');
const PACKAGES = ['spec', 'sdk', 'server'];
const read = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8'));

/** Every file an `exports` map or `types` points at, with the conditions met by a bundler, Node or TypeScript. */
function targets(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value !== 'object' || value === null) return [];
  return Object.values(value).flatMap(targets);
}

test('every package has a name under @telemetry/, a version, license, types, exports, files and a README', () => {
  for (const name of PACKAGES) {
    const dir = path.join(ROOT, 'packages', name);
    const manifest = read(path.join(dir, 'package.json'));
    assert.equal(manifest.name, `@telemetry/${name}`);
    assert.equal(manifest.private, undefined, `${name} is not private`);
    assert.match(manifest.version, /^\d+\.\d+\.\d+/);
    assert.equal(manifest.license, 'MIT');
    assert.ok(manifest.description, `${name} description`);
    assert.ok(fs.existsSync(path.join(dir, manifest.types.replace('./dist/', 'dist/'))), `${name} types built`);
    assert.ok(manifest.exports['.'], `${name} exports`);
    assert.ok(manifest.files.includes('dist') && manifest.files.includes('README.md'), `${name} files`);
    assert.ok(fs.statSync(path.join(dir, 'README.md')).size > 200, `${name} README`);
    assert.equal(manifest.scripts.prepack, 'node ../../scripts/pack-manifest.mjs prepack');
  }
  assert.ok(fs.readFileSync(path.join(ROOT, 'LICENSE'), 'utf8').startsWith('MIT License'));
});

test('npm pack of the SDK: a scratch app installs it offline, type-checks, bundles it with esbuild and runs it', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'npm-pack-'));
  try {
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '-w', 'packages/sdk', '--pack-destination', dir, '--json'], {
        cwd: ROOT,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }),
    ) as Array<{ filename: string; files: Array<{ path: string }> }>;
    assert.deepEqual(
      packed.map((p) => p.filename),
      ['telemetry-sdk-0.1.0.tgz'],
    );
    // The manifest in the checkout is back as it was.
    assert.equal(fs.existsSync(path.join(ROOT, 'packages/sdk/package.json.unpacked')), false);
    assert.equal(read(path.join(ROOT, 'packages/sdk/package.json')).exports['.'].development, './src/index.ts');
    const [sdk] = packed;
    const files = new Set(sdk.files.map((f) => f.path));
    assert.ok(files.has('LICENSE') && files.has('README.md') && files.has('package.json'));
    assert.deepEqual(
      [...files].filter((f) => f.startsWith('src/') || f.startsWith('test/')),
      [],
    );

    const app = path.join(dir, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(
      path.join(app, 'package.json'),
      JSON.stringify({ name: 'scratch-app', version: '1.0.0', private: true, type: 'module' }),
    );
    execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '../telemetry-sdk-0.1.0.tgz'], {
      cwd: app,
      stdio: 'ignore',
    });
    const installed = read(path.join(app, 'node_modules/@telemetry/sdk/package.json'));
    assert.equal(JSON.stringify(installed).includes('"development"'), false, 'the packed exports name no sources');
    for (const target of [...targets(installed.exports), installed.types]) {
      assert.ok(fs.existsSync(path.join(app, 'node_modules/@telemetry/sdk', target)), `packed: ${target}`);
    }

    fs.writeFileSync(
      path.join(app, 'main.ts'),
      `import { createTelemetry, type TelemetryClient } from '@telemetry/sdk';
const bodies: string[] = [];
const t: TelemetryClient = createTelemetry({
  transport: async (request) => {
    bodies.push(request.body);
    return { status: 200 };
  },
  channel: 'scratch',
  pdata: { id: 'scratch.app', ver: '1.0.0' },
  env: 'home',
  sessionEvents: false,
});
t.interact({ type: 'CLICK', id: 'go', pageid: 'home' });
await t.flush();
console.log(JSON.parse(bodies[0]).events.map((e: { eid: string }) => e.eid).join());
`,
    );
    // Types resolve through the package's exports as TypeScript's bundler resolution reads them.
    execFileSync(
      process.execPath,
      [
        path.join(ROOT, 'node_modules/typescript/bin/tsc'),
        '--noEmit',
        '--strict',
        '--target',
        'es2022',
        '--module',
        'esnext',
        '--moduleResolution',
        'bundler',
        '--lib',
        'es2022,dom',
        'main.ts',
      ],
      { cwd: app, stdio: 'pipe' },
    );
    await esbuild.build({
      absWorkingDir: app,
      entryPoints: ['main.ts'],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      outfile: 'bundle.js',
      logLevel: 'silent',
    });
    assert.equal(
      execFileSync(process.execPath, [path.join(app, 'bundle.js')], { encoding: 'utf8' }).trim(),
      'INTERACT',
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
