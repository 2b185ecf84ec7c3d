// The subpath exports resolve, and the ones the browser SDK bundles (types, levels, builders) do not pull in ajv.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const PACKAGE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Bundles `import * from <specifier>` as the SDK would and returns the bundled input files and the minified size. */
async function bundle(specifier: string): Promise<{ inputs: string[]; bytes: number }> {
  const result = await build({
    stdin: { contents: `export * from '${specifier}';`, resolveDir: PACKAGE_DIR, loader: 'ts' },
    bundle: true,
    write: false,
    metafile: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['development'],
    logLevel: 'silent',
  });
  return { inputs: Object.keys(result.metafile.inputs), bytes: result.outputFiles[0]!.contents.length };
}

for (const entry of ['types', 'levels', 'builders']) {
  test(`@telemetry/spec/${entry} does not import ajv`, async (t) => {
    const { inputs, bytes } = await bundle(`@telemetry/spec/${entry}`);
    t.diagnostic(`${entry}: ${bytes} bytes minified, from ${inputs.length} files`);
    assert.ok(
      inputs.some((file) => file.includes(`src/${entry}.ts`)),
      'bundles the source entry',
    );
    // Neither ajv nor our schemas: only the model, the level map, the builder and mid generation.
    assert.deepEqual(
      inputs.filter((file) => /node_modules|schemas|json-schema|validate|src\/events\//.test(file)),
      [],
    );
  });
}

test('@telemetry/spec/validate does bundle ajv (so the check above can fail)', async () => {
  const { inputs } = await bundle('@telemetry/spec/validate');
  assert.ok(inputs.some((file) => file.includes('node_modules/ajv/')));
});
