/** The docs agree with the code and with each other (issue 11, item 11). */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { INSIGHT_KINDS, README } from './readme-insights.js';

const DOCS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs');
const read = (file: string) => fs.readFileSync(file, 'utf8');

test('docs/analytics.md lists every insight kind the API serves', async () => {
  const opening = read(path.join(DOCS, 'analytics.md')).match(/\(kinds: ([^)]*)\)/s);
  assert.ok(opening, 'analytics.md names its kinds in the opening paragraph');
  const listed = new Set([...opening[1].matchAll(/`(\w+)`/g)].map((m) => m[1]));
  assert.deepEqual([...listed].sort(), [...INSIGHT_KINDS].sort());
});

test('docs/simulator.md quotes no benchmark figures the README does not', () => {
  const readme = read(README);
  const quoted = read(path.join(DOCS, 'simulator.md')).match(/\{"bench":[^\n]*\}/g) ?? [];
  for (const line of quoted) assert.ok(readme.includes(line), `simulator.md quotes ${line}, the README does not`);
});
