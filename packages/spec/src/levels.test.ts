// Telemetry levels: every eid has one, the levels nest, parsing is forgiving, and docs/levels.md matches the map.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EVENT_LEVEL, levelAllows, parseLevel, TELEMETRY_LEVELS } from './levels.js';
import { EIDS } from './types.js';

test('levels go from least to most data', () => {
  assert.deepEqual(TELEMETRY_LEVELS, ['security', 'basic', 'enhanced', 'full']);
});

test('every eid has exactly one known level, and the map has no other keys', () => {
  assert.deepEqual(Object.keys(EVENT_LEVEL).sort(), [...EIDS].sort());
  for (const eid of EIDS) assert.ok(TELEMETRY_LEVELS.includes(EVENT_LEVEL[eid]), eid);
});

test('levelAllows is monotonic: an event allowed at a level is allowed at every higher level', () => {
  for (const eid of EIDS) {
    const allowed = TELEMETRY_LEVELS.map((level) => levelAllows(level, eid));
    const first = allowed.indexOf(true);
    assert.ok(first >= 0, `${eid} is allowed at some level`);
    assert.deepEqual(
      allowed,
      TELEMETRY_LEVELS.map((_, i) => i >= first),
      eid,
    );
    // ...and the first level that allows it is the one in the map.
    assert.equal(TELEMETRY_LEVELS[first], EVENT_LEVEL[eid], eid);
  }
});

test('full allows every event; security only AUDIT', () => {
  assert.ok(EIDS.every((eid) => levelAllows('full', eid)));
  assert.deepEqual(
    EIDS.filter((eid) => levelAllows('security', eid)),
    ['AUDIT'],
  );
});

test('parseLevel ignores case and spaces and rejects anything else', () => {
  assert.equal(parseLevel('Full'), 'full');
  assert.equal(parseLevel(' basic\n'), 'basic');
  assert.equal(parseLevel('ENHANCED'), 'enhanced');
  for (const bad of ['', 'none', 'all', 'constructor', 'toString', 'securit'])
    assert.equal(parseLevel(bad), undefined, bad);
});

test('docs/levels.md lists every eid with the level in EVENT_LEVEL', () => {
  const doc = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs/levels.md');
  const rows = new Map<string, string>();
  for (const match of fs.readFileSync(doc, 'utf8').matchAll(/^\|\s*`?([A-Z]+)`?\s*\|\s*(\w+)\s*\|/gm)) {
    rows.set(match[1]!, match[2]!.toLowerCase());
  }
  assert.deepEqual(Object.fromEntries([...rows].sort()), Object.fromEntries(Object.entries(EVENT_LEVEL).sort()));
});
