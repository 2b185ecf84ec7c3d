import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { findReferenceDir } from './reference-dir.js';

test('the reference material is found beside the checkout, beside a local clone origin, or where the env says', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'reference-dir-'));
  const reference = path.join(root, 'work/shared/reference');
  fs.mkdirSync(path.join(reference, 'schemas'), { recursive: true });
  const main = path.join(root, 'work/main');
  execFileSync('git', ['init', '-q', main]);
  const clone = path.join(root, 'elsewhere/clone');
  execFileSync('git', ['clone', '-q', main, clone], { stdio: 'ignore' });

  assert.equal(findReferenceDir({}, main), reference);
  assert.equal(findReferenceDir({}, clone), reference);
  assert.equal(findReferenceDir({ TELEMETRY_REFERENCE_DIR: reference }, root), reference);
  assert.throws(() => findReferenceDir({}, root), /TELEMETRY_REFERENCE_DIR/);
});
