import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../../test/temp-dir.js';
import { batchLine, eventLine, eventLinePrefix, failedLine, frameGroup } from '../../spool/segment-format.js';
import { openDuckDBStore } from './duckdb-store.js';

const ctx = { syncts: 1_790_000_000_000, msgid: 'b-1' };
const prefix = eventLinePrefix(ctx);

function event(n: number, patch: Record<string, unknown> = {}): Record<string, unknown> {
  return { eid: 'INTERACT', ets: 1_790_000_000_000 + n, ver: '3.0', mid: `m-${n}`, edata: { type: 'CLICK' }, ...patch };
}

/**
 * Events the door may let through but DuckDB refuses, written straight into a segment: an ets in
 * nanoseconds (beyond TIMESTAMP), a lone surrogate escape (strict JSON), no mid (NOT NULL).
 */
const poisons = [
  JSON.stringify(event(1001)).replace(/"ets":\d+/, '"ets":1795950137564000000'),
  JSON.stringify(event(1002, { edata: { type: 'x', query: 'PLACEHOLDER' } })).replace('PLACEHOLDER', 'x \\ud83d'),
  JSON.stringify({ eid: 'INTERACT', ets: 1_790_000_000_000, ver: '3.0' }),
];

test('a segment with events the store refuses loads the rest; each refused one lands in failed_events once', async () => {
  const dir = tempDir('load-bisect-');
  const store = await openDuckDBStore({ file: ':memory:', spoolDir: dir });
  try {
    const valid = Array.from({ length: 200 }, (_, i) => event(i));
    const records = valid.map((e) => eventLine(prefix, JSON.stringify(e), e.mid as string));
    // Poisons at the start, in the middle and at the end; a rejected event and a batch marker too.
    records.splice(0, 0, eventLine(prefix, poisons[0], 'm-1001'));
    records.splice(100, 0, eventLine(prefix, poisons[1], 'm-1002'));
    records.push(eventLine(prefix, poisons[2]));
    records.push(failedLine(ctx, { mid: 'bad', reason: 'schema', errors: ['no eid'], raw: '{"mid":"bad"}' }));
    records.push(batchLine(ctx, 'b-1', 204));
    const file = path.join(dir, '000000000001.seg');
    fs.writeFileSync(
      file,
      Buffer.concat([frameGroup(records.slice(0, 150).join('')), frameGroup(records.slice(150).join(''))]),
    );

    const loaded = await store.loadSegment(file, 1);
    assert.deepEqual(loaded, {
      segment: 1,
      events: 200,
      failed: 1,
      batches: 1,
      quarantined: 3,
      // The third has no mid: nothing to forget.
      quarantinedMids: ['m-1001', 'm-1002'],
    });
    assert.deepEqual((await store.query('SELECT count(*), count(DISTINCT mid) FROM events')).rows, [[200, 200]]);
    const failed = (
      await store.query(
        "SELECT mid, reason, errors[1], raw, batch_msgid FROM failed_events WHERE reason = 'load_error' ORDER BY raw",
      )
    ).rows;
    assert.deepEqual(
      failed.map((r) => [r[0], r[1], r[3], r[4]]),
      [
        [null, 'load_error', poisons[2], 'b-1'],
        ['m-1001', 'load_error', poisons[0], 'b-1'],
        ['m-1002', 'load_error', poisons[1], 'b-1'],
      ].sort((a, b) => String(a[2]).localeCompare(String(b[2]))),
    );
    for (const row of failed) assert.match(String(row[2]), /Error/, 'the store message is the reason');
    assert.equal(await store.checkpoint(), 1);

    // Exactly once: loading the same segment again is a no-op; the next one loads normally.
    assert.deepEqual(await store.loadSegment(file, 1), {
      segment: 1,
      events: 0,
      failed: 0,
      batches: 0,
      quarantined: 0,
      quarantinedMids: [],
    });
    const next = path.join(dir, '000000000002.seg');
    fs.writeFileSync(next, frameGroup(eventLine(prefix, JSON.stringify(event(500)), 'm-500')));
    assert.equal((await store.loadSegment(next, 2)).events, 1);
    assert.deepEqual((await store.query('SELECT count(*) FROM failed_events')).rows, [[4]]);
    assert.deepEqual((await store.query('SELECT count(*) FROM events')).rows, [[201]]);
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the mids to forget are those of refused events the store does not hold: not a refused rejected-event record, not a stored mid', async () => {
  const dir = tempDir('load-forget-');
  const store = await openDuckDBStore({ file: ':memory:', spoolDir: dir });
  try {
    const line = (e: Record<string, unknown>) => eventLine(prefix, JSON.stringify(e), e.mid as string);
    // m-7 is stored and also sent again poisoned (a copy the index let through by a bug); m-8 only poisoned; m-9's
    // rejected-event record has errors the store cannot read (refused), while m-9 itself is stored.
    const refusedFailed = failedLine(ctx, { mid: 'm-9', reason: 'schema', errors: ['x'], raw: '{}' }).replace(
      '["x"]',
      '[not json',
    );
    const records = [
      line(event(7)),
      eventLine(prefix, poisons[0].replace('m-1001', 'm-7'), 'm-7'),
      eventLine(prefix, poisons[0].replace('m-1001', 'm-8'), 'm-8'),
      line(event(9)),
      refusedFailed,
    ];
    const file = path.join(dir, '000000000001.seg');
    fs.writeFileSync(file, frameGroup(records.join('')));
    const loaded = await store.loadSegment(file, 1);
    assert.deepEqual([loaded.events, loaded.quarantined, loaded.quarantinedMids], [2, 3, ['m-8']]);
    assert.deepEqual((await store.query('SELECT mid FROM events ORDER BY mid')).rows, [['m-7'], ['m-9']]);
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a segment the CSV reader cannot read (bytes that are not UTF-8) is rewritten: the unreadable record is quarantined, the rest loads', async () => {
  const dir = tempDir('load-unreadable-');
  const store = await openDuckDBStore({ file: ':memory:', spoolDir: dir });
  try {
    const good = [event(1), event(2)].map((e) => eventLine(prefix, JSON.stringify(e), e.mid as string));
    const bad = Buffer.from(eventLine(prefix, JSON.stringify(event(3, { x: 'QQ' })), 'm-3'));
    bad.writeUInt16BE(0xfffe, bad.indexOf('QQ')); // not UTF-8
    const file = path.join(dir, '000000000001.seg');
    fs.writeFileSync(file, frameGroup(Buffer.concat([Buffer.from(good[0]), bad, Buffer.from(good[1])])));

    const loaded = await store.loadSegment(file, 1);
    assert.deepEqual([loaded.events, loaded.failed], [2, 1]);
    assert.deepEqual(loaded.quarantinedMids, ['m-3'], 'not stored: to forget');
    assert.deepEqual((await store.query('SELECT mid FROM events ORDER BY mid')).rows, [['m-1'], ['m-2']]);
    const [row] = (await store.query('SELECT mid, reason, errors[2], raw FROM failed_events')).rows;
    assert.deepEqual(row.slice(0, 2), ['m-3', 'load_error']);
    assert.match(String(row[2]), /not valid UTF-8/);
    assert.match(String(row[3]), /"mid":"m-3"/);
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('arrival_seq numbers events in spool order, across segments, whatever their ets', async () => {
  const dir = tempDir('load-arrival-');
  const store = await openDuckDBStore({ file: ':memory:', spoolDir: dir });
  try {
    // Times run backwards and repeat, so neither ets nor mid gives the file order; enough records for a parallel read.
    const lines = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) => {
        const e = event(0, { ets: 1_790_000_000_000 - Math.floor((from + i) / 3), mid: `a-${from + i}` });
        return eventLine(prefix, JSON.stringify(e), e.mid as string);
      });
    const first = lines(0, 30_000);
    const segments = [
      Buffer.concat([frameGroup(first.slice(0, 12_000).join('')), frameGroup(first.slice(12_000).join(''))]),
      frameGroup(lines(30_000, 500).join('')),
    ];
    for (const [i, bytes] of segments.entries()) {
      const file = path.join(dir, `00000000000${i + 1}.seg`);
      fs.writeFileSync(file, bytes);
      await store.loadSegment(file, i + 1);
    }
    const rows = (await store.query('SELECT mid FROM events ORDER BY arrival_seq')).rows.map((r) => r[0]);
    assert.equal(rows.length, 30_500);
    assert.deepEqual(
      rows,
      Array.from({ length: 30_500 }, (_, i) => `a-${i}`),
    );
    const [[distinct, min]] = (await store.query('SELECT count(DISTINCT arrival_seq), min(arrival_seq) FROM events'))
      .rows;
    assert.deepEqual([distinct, min], [30_500, 1]);
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
