/**
 * Torn writes: a spool segment cut at every byte offset (inside compact records, inside an event
 * sent pretty-printed over many lines, inside a group header) recovers to its last whole commit
 * group; segments of the previous format are migrated, multi-line events included; and a server
 * started over a cut segment comes up and loads what was whole.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import {
  batchLine,
  eventLine,
  eventLinePrefix,
  failedLine,
  frameGroup,
  parseRecords,
  QUOTE,
} from '../src/spool/segment-format.js';
import { recoverSegments, segmentFile } from '../src/spool/segment-recovery.js';
import type { SetAside } from '../src/spool/set-aside.js';
import { eventually, interact, sql, startTestServer, tempDir } from './helpers.js';
import { openMemoryStore } from './support/store.js';

const ctx = { syncts: 1_790_000_000_000, did: 'd1', channel: 'ch', msgid: 'batch-1' };
const prefix = eventLinePrefix(ctx);
const compact = [interact(), interact()];
const pretty = interact({ edata: { type: 'CLICK', id: 'multi\nline?', pageid: 'quiz' } });
const prettyRaw = JSON.stringify(pretty, null, 2);

/** Three groups as the spool commits them: compact records, a pretty-printed event and a rejected one, one more. */
const groups = [
  compact.map((e) => eventLine(prefix, JSON.stringify(e), e.mid as string)).join('') + batchLine(ctx, 'batch-1', 2),
  eventLine(prefix, prettyRaw, pretty.mid as string) +
    failedLine(ctx, { mid: 'bad-1', reason: 'schema', errors: ['x'], raw: '{\n  "eid": 7\n}' }),
  eventLine(prefix, JSON.stringify(interact()), 'last'),
].map((records) => frameGroup(records));
const ends: number[] = [];
for (const g of groups) ends.push((ends.at(-1) ?? 0) + g.length);
const segment = Buffer.concat(groups);

function records(data: Buffer): string[][] {
  const out: string[][] = [];
  parseRecords(data, 0, data.length, (fields) => out.push(fields));
  return out;
}

test('a segment cut at every byte offset recovers to its last whole group; the torn rest is set aside', async () => {
  assert.ok(prettyRaw.split('\n').length > 10, 'the pretty-printed event spans many lines');
  const dir = tempDir('torn-');
  const file = segmentFile(dir, 1);
  for (let cut = 0; cut <= segment.length; cut++) {
    fs.writeFileSync(file, segment.subarray(0, cut));
    fs.rmSync(path.join(dir, 'damaged'), { recursive: true, force: true });
    const setAside: SetAside[] = [];
    const recovered = await recoverSegments(dir, 0, { onSetAside: (s) => setAside.push(s) });
    const whole = ends.filter((end) => end <= cut).at(-1) ?? 0;
    if (whole < cut) {
      const saved = path.join(dir, 'damaged', `000000000001.seg.${whole}.bin`);
      const expected = { segmentFile: file, offset: whole, bytes: cut - whole, cause: 'torn_tail', file: saved };
      assert.deepEqual(setAside, [expected], `cut at ${cut}: a torn tail`);
      assert.deepEqual(fs.readFileSync(saved), segment.subarray(whole, cut), `cut at ${cut}: the torn bytes kept`);
    } else assert.deepEqual(setAside, [], `cut at ${cut}: nothing set aside`);
    if (whole === 0) {
      assert.deepEqual(recovered, [], `cut at ${cut}: nothing whole, the segment is removed`);
      assert.equal(fs.existsSync(file), false);
      continue;
    }
    assert.deepEqual(recovered, [{ segment: 1, file, bytes: whole }], `cut at ${cut}`);
    const kept = fs.readFileSync(file);
    assert.deepEqual(kept, segment.subarray(0, whole), `cut at ${cut}: the whole groups, byte for byte`);
  }
  // The recovered records are the events as written, the multi-line one byte for byte.
  const all = records(segment);
  assert.equal(all.filter((r) => r[0] === 'e').length, 4);
  assert.equal(all.find((r) => r.at(-2) === pretty.mid)?.at(-1), prettyRaw);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('bytes that are not a whole group are set aside, not destroyed; whole groups after them are kept', async () => {
  const dir = tempDir('torn-');
  const file = segmentFile(dir, 2);
  const damaged = (offset: number) => path.join(dir, 'damaged', `000000000002.seg.${offset}.bin`);
  const setAside: SetAside[] = [];
  const onSetAside = (s: SetAside) => setAside.push(s);

  // Zeros after a crash: a torn tail, set aside whole.
  fs.writeFileSync(file, Buffer.concat([groups[0], Buffer.alloc(4096)]));
  assert.deepEqual(await recoverSegments(dir, 0, { onSetAside }), [{ segment: 2, file, bytes: ends[0] }]);
  assert.deepEqual(fs.readFileSync(damaged(ends[0])), Buffer.alloc(4096));
  assert.deepEqual(setAside, [
    { segmentFile: file, offset: ends[0], bytes: 4096, cause: 'torn_tail', file: damaged(ends[0]) },
  ]);

  // A changed byte in the second group: that group is set aside, byte for byte, and the third, intact, is kept.
  setAside.length = 0;
  fs.rmSync(path.join(dir, 'damaged'), { recursive: true });
  const flipped = Buffer.from(segment);
  flipped[ends[1] - 3] ^= 0x01; // inside the second group's last record
  fs.writeFileSync(file, flipped);
  const kept = Buffer.concat([groups[0], groups[2]]);
  assert.deepEqual(await recoverSegments(dir, 0, { onSetAside }), [{ segment: 2, file, bytes: kept.length }]);
  assert.deepEqual(fs.readFileSync(file), kept);
  assert.deepEqual(fs.readFileSync(damaged(ends[0])), flipped.subarray(ends[0], ends[1]));
  assert.deepEqual(setAside, [
    { segmentFile: file, offset: ends[0], bytes: groups[1].length, cause: 'damaged', file: damaged(ends[0]) },
  ]);
  assert.deepEqual(fs.readdirSync(path.join(dir, 'damaged')), ['000000000002.seg.' + ends[0] + '.bin']);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a segment of the previous format (torn inside a multi-line event) is migrated and loads', async () => {
  const dir = tempDir('legacy-');
  const v1 = (kind: string, mid: string, raw: string) =>
    `${[kind, String(ctx.syncts), `${QUOTE}d1${QUOTE}`, '', '', `${QUOTE}batch-1${QUOTE}`, mid, '', '', '', ''].join('\x1f')}\x1f${QUOTE}${raw}${QUOTE}\n`;
  const a = interact();
  const b = interact();
  const firstTwo = v1('e', '', JSON.stringify(a)) + v1('e', '', JSON.stringify(b, null, 2));
  const text = firstTwo + v1('e', '', prettyRaw);
  // Torn inside the last event, after one of its newlines: the old recovery kept the torn half.
  const cut = text.length - 40;
  assert.ok(text.slice(text.length - prettyRaw.length - 2, cut).includes('\n'));
  fs.writeFileSync(segmentFile(dir, 1), text.slice(0, cut));
  const setAside: SetAside[] = [];
  const recovered = await recoverSegments(dir, 0, { onSetAside: (s) => setAside.push(s) });
  assert.equal(recovered.length, 1);
  // The torn last record is set aside before the migration, byte for byte.
  const whole = Buffer.byteLength(firstTwo);
  const torn = Buffer.from(text.slice(0, cut)).subarray(whole);
  assert.deepEqual(
    setAside.map((s) => [s.offset, s.bytes, s.cause]),
    [[whole, torn.length, 'torn_tail']],
  );
  assert.deepEqual(fs.readFileSync(setAside[0].file), torn);
  const store = await openMemoryStore({ spoolDir: dir });
  try {
    const loaded = await store.loadSegment(recovered[0].file, 1);
    assert.equal(loaded.events, 2, 'the two whole events; the torn one was never acknowledged');
    const rows = (await store.query('SELECT mid, raw, did, ets_corrected = ets FROM events ORDER BY ets')).rows;
    assert.deepEqual(rows, [
      [a.mid, JSON.stringify(a), 'd1', true],
      [b.mid, JSON.stringify(b, null, 2), 'd1', true],
    ]);
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a server started over a segment torn inside a multi-line event comes up and loads the whole groups', async () => {
  const dataDir = tempDir('torn-serve-');
  const spool = path.join(dataDir, 'spool');
  fs.mkdirSync(spool, { recursive: true });
  const cut = ends[0] + Math.floor(groups[1].length / 2); // inside the pretty-printed event
  fs.writeFileSync(segmentFile(spool, 1), segment.subarray(0, cut));
  const server = await startTestServer({ dataDir });
  try {
    const health = await fetch(`${server.url}/health`);
    assert.equal(health.status, 200);
    const mids = compact.map((e) => `'${e.mid}'`).join(',');
    await eventually(async () => Number((await sql(server, 'SELECT count(*) FROM events'))[0][0]) === 2);
    assert.deepEqual(await sql(server, `SELECT count(*) FROM events WHERE mid IN (${mids})`), [[2]]);
    assert.deepEqual(await sql(server, 'SELECT count(*) FROM batches'), [[1]]);
  } finally {
    await server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
