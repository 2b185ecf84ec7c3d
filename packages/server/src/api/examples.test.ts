/** The static handler for /examples and /sdk never leaves its root. */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { safeJoin } from './examples.js';

test('safeJoin keeps paths inside the root, decoded or not', () => {
  const root = path.resolve('/srv/examples');
  assert.equal(safeJoin(root, 'quiz/index.html'), path.join(root, 'quiz/index.html'));
  assert.equal(safeJoin(root, ''), root);
  assert.equal(safeJoin(root, '../secret'), root + path.sep + 'secret');
  assert.equal(safeJoin(root, '%2e%2e/%2e%2e/etc/passwd'), root + path.sep + path.join('etc', 'passwd'));
  assert.equal(safeJoin(root, 'a\0b'), undefined);
  assert.equal(safeJoin(root, '%E0%A4%A'), undefined);
});
