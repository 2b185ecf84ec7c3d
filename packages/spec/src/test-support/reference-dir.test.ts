import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { locateReferenceDir } from './reference-dir.js';

test('the reference material is found beside the checkout, beside a local clone origin, or where the env says', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'reference-dir-'));
  const reference = path.join(root, 'work/shared/reference');
  fs.mkdirSync(path.join(reference, 'schemas'), { recursive: true });
  const main = path.join(root, 'work/main');
  execFileSync('git', ['init', '-q', main]);
  const clone = path.join(root, 'elsewhere/clone');
  execFileSync('git', ['clone', '-q', main, clone], { stdio: 'ignore' });

  assert.deepEqual(locateReferenceDir({}, main), { dir: reference });
  assert.deepEqual(locateReferenceDir({}, clone), { dir: reference });
  assert.deepEqual(locateReferenceDir({ TELEMETRY_REFERENCE_DIR: reference }, root), { dir: reference });
  const absent = locateReferenceDir({}, root);
  assert.equal(absent.dir, undefined);
  assert.match(absent.missing ?? '', /^oracle suite: .*TELEMETRY_REFERENCE_DIR/);
  assert.doesNotMatch(absent.missing ?? '', /\n/, 'one line');
});
