// The spool's commit failure paths called directly (issue 10: only whole-server tests reached them): a short write
// is continued, a write that makes no progress or an fsync that fails rejects the group's appends, sets lastError and
// cuts the torn bytes off before anything else is appended; the next commit clears lastError. The file handles are
// real ones with write/datasync wrapped (node:test's mock of fs/promises' open).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { afterEach, mock, test } from 'node:test';
import { interact } from '../../test/helpers.js';
import { tempDir as makeTempDir } from '../../test/temp-dir.js';
import { Collector } from '../ingest/collector.js';
import { DedupIndex } from '../ingest/dedup-index.js';
import { wholeGroupEnd } from './segment-format.js';
import { SegmentLog } from './segment-log.js';
import { type SealedSegment, segmentFile } from './segment-recovery.js';

afterEach(() => mock.restoreAll());

/** How writes and fsyncs of segment files behave: `write(len)` returns the bytes to write (0: none), or throws. */
interface Faults {
  write?: (length: number) => number;
  datasync?: () => Promise<void>;
  truncate?: () => Promise<void>;
}

/** Wraps fsp.open so that segment files' handles obey `faults` (which the test may change between commits). */
function faultyOpen(faults: Faults) {
  const open = fsp.open.bind(fsp);
  const wrapped = async (file: fs.PathLike, flags?: string | number) => {
    const handle = await open(file, flags);
    if (!String(file).endsWith('.seg')) return handle;
    const write = handle.write.bind(handle) as (b: Buffer, o: number, l: number) => Promise<{ bytesWritten: number }>;
    const datasync = handle.datasync.bind(handle);
    return Object.assign(Object.create(handle), {
      write: async (buffer: Buffer, offset: number, length: number) => {
        const allowed = faults.write ? faults.write(length) : length;
        if (allowed <= 0) return { bytesWritten: 0, buffer };
        return write(buffer, offset, Math.min(allowed, length));
      },
      datasync: async () => {
        await faults.datasync?.();
        return datasync();
      },
      truncate: async (length?: number) => {
        await faults.truncate?.();
        return handle.truncate(length);
      },
      close: handle.close.bind(handle),
    });
  };
  mock.method(fsp, 'open', wrapped);
}

/** The texts of the whole groups of a segment; fails on bytes that are not whole groups. */
function groups(file: string): string[] {
  const data = fs.readFileSync(file);
  const out: string[] = [];
  for (let offset = 0; offset < data.length; ) {
    const end = wholeGroupEnd(data, offset);
    assert.ok(end !== undefined, `a whole group at byte ${offset}`);
    out.push(data.toString('utf8', data.indexOf(10, offset) + 1, end));
    offset = end;
  }
  return out;
}

const tempDir = () => makeTempDir('segment-log-failures-');

/** A write fault: `bytes` more bytes are written, then none (a disk that fills up). */
function diskFullAfter(bytes: number): (length: number) => number {
  let budget = bytes;
  return (length) => {
    const n = Math.min(budget, length);
    budget -= n;
    return n;
  };
}

test('short writes (a filling disk) are continued until every byte is written', async () => {
  faultyOpen({ write: () => 7 });
  const dir = tempDir();
  const log = new SegmentLog({ dir, rotateMs: 3_600_000, onSealed: () => {} }, 1);
  await log.append(`${'x'.repeat(100)}\n`);
  await log.close();
  assert.deepEqual(groups(segmentFile(dir, 1)), [`${'x'.repeat(100)}\n`]);
});

test('a write that makes no progress rejects its appends, tears nothing, and the next commit goes on', async () => {
  const faults: Faults = {};
  faultyOpen(faults);
  const dir = tempDir();
  const sealed: SealedSegment[] = [];
  const log = new SegmentLog({ dir, rotateMs: 3_600_000, onSealed: (s) => sealed.push(s) }, 1);
  await log.append('first\n');
  // Half of the next group gets written, then the disk is full.
  faults.write = diskFullAfter(20);
  await assert.rejects(log.append('second, lost\n'), /the spool write made no progress/);
  assert.equal(log.lastError, 'the spool write made no progress');
  assert.deepEqual(groups(segmentFile(dir, 1)), ['first\n'], 'the torn half-group is cut off');
  faults.write = undefined;
  await log.append('third\n');
  assert.equal(log.lastError, undefined, 'a commit that succeeds clears the error');
  await log.close();
  assert.deepEqual(groups(segmentFile(dir, 1)), ['first\n', 'third\n']);
  assert.deepEqual(
    sealed.map((s) => [s.segment, s.bytes]),
    [[1, fs.statSync(segmentFile(dir, 1)).size]],
    'sealed with the committed bytes only',
  );
});

test('torn bytes that cannot be cut off at once are cut off before the next commit, or before the timer seals', async () => {
  for (const next of ['commit', 'seal'] as const) {
    const faults: Faults = {};
    faultyOpen(faults);
    const dir = tempDir();
    const sealed: SealedSegment[] = [];
    const rotateMs = next === 'seal' ? 300 : 3_600_000;
    const log = new SegmentLog({ dir, rotateMs, onSealed: (s) => sealed.push(s) }, 1);
    await log.append('first\n');
    // Half of a group is written, the disk fills, and the truncate that would cut it off fails too.
    faults.write = diskFullAfter(20);
    faults.truncate = async () => {
      throw Object.assign(new Error('EIO: i/o error, ftruncate'), { code: 'EIO' });
    };
    await assert.rejects(log.append('second, lost\n'), /the spool write made no progress/);
    assert.ok(fs.statSync(segmentFile(dir, 1)).size > Buffer.byteLength('first\n'), 'the torn bytes are still there');
    faults.write = undefined;
    faults.truncate = undefined;
    if (next === 'commit') await log.append('third\n');
    else while (sealed.length === 0) await new Promise((r) => setTimeout(r, 20));
    await log.close();
    assert.deepEqual(groups(segmentFile(dir, 1)), next === 'commit' ? ['first\n', 'third\n'] : ['first\n']);
    assert.deepEqual(
      sealed.map((s) => [s.segment, s.bytes]),
      [[1, fs.statSync(segmentFile(dir, 1)).size]],
      next,
    );
  }
});

test('a failing fsync rejects every append of its group, and their bytes are not kept', async () => {
  const faults: Faults = {};
  faultyOpen(faults);
  const dir = tempDir();
  const log = new SegmentLog({ dir, rotateMs: 3_600_000, onSealed: () => {} }, 1);
  await log.append('kept\n');
  faults.datasync = async () => {
    faults.datasync = undefined;
    throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
  };
  const results = await Promise.allSettled([log.append('a\n'), log.append('b\n')]);
  // The first append may commit alone before b joins: then only b's group meets the failing fsync.
  const rejected = results.filter((r) => r.status === 'rejected');
  assert.ok(rejected.length >= 1, JSON.stringify(results));
  for (const r of rejected) assert.match(String((r as PromiseRejectedResult).reason), /EIO/);
  await log.append('after\n');
  await log.close();
  const text = groups(segmentFile(dir, 1)).join('');
  const acknowledged = ['a\n', 'b\n'].filter((_, i) => results[i].status === 'fulfilled');
  assert.equal(text, `kept\n${acknowledged.join('')}after\n`, 'exactly the acknowledged appends, in order');
});

test('each commit reports its write+fsync duration in seconds', async () => {
  faultyOpen({ datasync: () => new Promise((r) => setTimeout(r, 30)) });
  const dir = tempDir();
  const durations: number[] = [];
  const log = new SegmentLog({ dir, rotateMs: 3_600_000, onSealed: () => {}, onCommit: (s) => durations.push(s) }, 1);
  // Each duration lies within the time its append took as seen from here (a sum of clock readings would not).
  const bounds: number[] = [];
  for (const text of ['a\n', 'b\n']) {
    const started = performance.now();
    await log.append(text);
    bounds.push((performance.now() - started) / 1000);
  }
  await log.close();
  assert.equal(durations.length, 2);
  for (const [i, seconds] of durations.entries()) {
    assert.ok(seconds >= 0.029 && seconds <= bounds[i] + 0.001, `${seconds} s within ${bounds[i]} s`);
  }
});

test('a segment that cannot be opened rejects the append and says why; an empty append writes no segment', async () => {
  const dir = path.join(tempDir(), 'missing');
  const log = new SegmentLog({ dir, rotateMs: 3_600_000, onSealed: () => {} }, 1);
  await log.append('');
  assert.equal(fs.existsSync(dir), false);
  await assert.rejects(log.append('x\n'), /ENOENT/);
  assert.match(log.lastError ?? '', /ENOENT/);
  await log.close();
});

test('appends that arrive during a commit go together in the next group, in order', async () => {
  let release: (() => void) | undefined;
  const faults: Faults = {
    datasync: () =>
      new Promise<void>((r) => {
        release = r;
      }),
  };
  faultyOpen(faults);
  const dir = tempDir();
  const log = new SegmentLog({ dir, rotateMs: 3_600_000, onSealed: () => {} }, 1);
  const first = log.append('a\n');
  // Wait until the first group is being fsynced.
  for (let waited = 0; !release && waited < 30_000; waited += 5) await new Promise((r) => setTimeout(r, 5));
  assert.ok(release, 'the first commit reached its fsync');
  const rest = [log.append('b\n'), log.append(''), log.append('c\n')];
  faults.datasync = undefined;
  release?.();
  await Promise.all([first, ...rest]);
  await log.close();
  assert.deepEqual(groups(segmentFile(dir, 1)), ['a\n', 'b\nc\n']);
});

test('close() waits for the commit in flight; a segment whose only commit failed is not handed to the loader', async () => {
  const faults: Faults = { write: () => 0 };
  faultyOpen(faults);
  const dir = tempDir();
  const sealed: SealedSegment[] = [];
  const log = new SegmentLog({ dir, rotateMs: 3_600_000, onSealed: (s) => sealed.push(s) }, 1);
  await assert.rejects(log.append('lost\n'), /no progress/);
  await log.close();
  assert.equal(sealed.length, 0, 'an empty segment is not sealed');
  faults.write = undefined;
  const other = new SegmentLog({ dir: tempDir(), rotateMs: 3_600_000, onSealed: (s) => sealed.push(s) }, 5);
  const pending = other.append('x\n');
  await other.close();
  await pending;
  assert.deepEqual(
    sealed.map((s) => [s.segment, groups(s.file)]),
    [[5, ['x\n']]],
  );
});

test('a rotation timer that fires during a commit seals the segment after that commit, in the same loop', async () => {
  let release: (() => void) | undefined;
  const faults: Faults = {
    datasync: () =>
      new Promise<void>((r) => {
        release = r;
      }),
  };
  faultyOpen(faults);
  const dir = tempDir();
  const sealed: SealedSegment[] = [];
  const log = new SegmentLog({ dir, rotateMs: 1, onSealed: (s) => sealed.push(s) }, 1);
  const first = log.append('a\n');
  for (let waited = 0; !release && waited < 30_000; waited += 5) await new Promise((r) => setTimeout(r, 5));
  assert.ok(release, 'the first commit reached its fsync');
  // The 1 ms rotation timer fires while the fsync is held: a second flush loop would close the segment under it.
  await new Promise((r) => setTimeout(r, 300));
  faults.datasync = undefined;
  release?.();
  await first;
  await log.close();
  assert.deepEqual(
    sealed.map((s) => [s.segment, groups(s.file)]),
    [[1, ['a\n']]],
  );
});

/** A datasync that waits until `fail` is called, then throws its error: a group held in flight, then lost. */
function heldFsync(faults: Faults) {
  let fail: (error: Error) => void = () => {};
  let called: () => void = () => {};
  const inFlight = new Promise<void>((resolve) => {
    called = resolve;
  });
  faults.datasync = () =>
    new Promise<void>((_, reject) => {
      fail = reject;
      called();
    });
  return { inFlight, fail: (error: Error) => fail(error) };
}

test('appends queued while a group is written fail with it, an empty one too: none resolves on bytes never made durable', async (t) => {
  const faults: Faults = {};
  faultyOpen(faults);
  const dir = tempDir();
  const log = new SegmentLog({ dir, rotateMs: 3_600_000, onSealed: () => {} }, 1);
  t.after(() => log.close()); // a failed assertion must not leave its rotation timer holding the process
  await log.append('first\n', 1);
  const held = heldFsync(faults);
  const written = log.append('second\n', 1);
  await held.inFlight;
  // Queued during the write: an empty append (a request whose events were all duplicates of the ones being written
  // waits with one) and another group.
  const empty = log.append('', 0);
  const next = log.append('third\n', 1);
  faults.datasync = undefined;
  held.fail(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }));
  await assert.rejects(written, /EIO/);
  await assert.rejects(empty, /EIO/, 'the empty append rested on the lost group');
  await assert.rejects(next, /EIO/);
  await log.append('fourth\n', 1);
  await log.close();
  assert.deepEqual(groups(segmentFile(dir, 1)), ['first\n', 'fourth\n']);
});

test('a re-sent event answered while its first copy is being written is refused if that write fails (not "duplicate")', async (t) => {
  const faults: Faults = {};
  faultyOpen(faults);
  const dir = tempDir();
  const log = new SegmentLog({ dir, rotateMs: 3_600_000, onSealed: () => {} }, 1);
  t.after(() => log.close());
  const noop = () => {};
  const collector = new Collector({
    spool: log,
    mids: new DedupIndex(),
    batches: new DedupIndex(),
    limits: { maxEventBytes: 10_000, maxDepth: 32, levelFor: () => 'full', maxBatchEvents: 10 },
    counters: { received: noop, stored: noop, duplicates: noop, rejected: noop, duplicateBatch: noop },
  });
  const event = (mid: string) => interact({ mid });
  const held = heldFsync(faults);
  const first = collector.ingest(JSON.stringify({ events: [event('x-1'), event('x-2')] }));
  await held.inFlight;
  // The client's retry (its request timed out) arrives while the first copy's group is in flight.
  const retry = collector.ingest(JSON.stringify({ events: [event('x-1')] }));
  faults.datasync = undefined;
  held.fail(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }));
  await assert.rejects(first, { code: 'INGEST_STORE_UNAVAILABLE' });
  await assert.rejects(retry, { code: 'INGEST_STORE_UNAVAILABLE' }, 'answered 200 "duplicate" before the fix');
  // Both copies' ids were rolled back: the next retry is stored.
  const again = await collector.ingest(JSON.stringify({ events: [event('x-1')] }));
  assert.deepEqual([again.stored, again.duplicates], [1, 0]);
});
