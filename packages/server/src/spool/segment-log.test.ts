import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { tempDir as makeTempDir } from '../../test/temp-dir.js';
import { wholeGroupEnd } from './segment-format.js';
import { SegmentLog } from './segment-log.js';
import { type SealedSegment, segmentFile } from './segment-recovery.js';

function tempDir(): string {
  return makeTempDir('spool-test-');
}

/** The text of a segment's groups without their headers; fails on anything that is not a whole group. */
function groupText(file: string): string {
  const data = fs.readFileSync(file);
  let text = '';
  for (let offset = 0; offset < data.length; ) {
    const end = wholeGroupEnd(data, offset);
    assert.ok(end !== undefined, `a whole group at ${offset} of ${file}`);
    text += data.toString('utf8', data.indexOf(10, offset) + 1, end);
    offset = end;
  }
  return text;
}

test('concurrent appends are committed in groups and sealed into ordered segments', async () => {
  const dir = tempDir();
  const sealed: SealedSegment[] = [];
  let commits = 0;
  const log = new SegmentLog({ dir, rotateMs: 20, onSealed: (s) => sealed.push(s), onCommit: () => commits++ }, 1);
  await Promise.all(Array.from({ length: 200 }, (_, i) => log.append(`line ${i}\n`)));
  assert.ok(commits < 200, `200 appends took ${commits} fsyncs`);
  // Wait until timed seals hold all 200 lines (polling: a loaded machine may be slow), then write into a new segment.
  const sealedLines = () => sealed.reduce((n, s) => n + groupText(s.file).split('\n').length - 1, 0);
  for (let waited = 0; sealedLines() < 200 && waited < 5000; waited += 10) await new Promise((r) => setTimeout(r, 10));
  await log.append('later\n');
  await log.close();
  // Slow fsyncs may seal more than once during the 200 appends: segments are consecutive from 1 either way.
  assert.ok(sealed.length >= 2, `${sealed.length} segments`);
  assert.deepEqual(
    sealed.map((s) => s.segment),
    sealed.map((_, i) => i + 1),
  );
  const contents = sealed.map((s) => groupText(s.file).trim().split('\n'));
  assert.deepEqual(contents.at(-1), ['later']);
  const lines = contents.flat();
  assert.equal(lines.length, 201);
  assert.equal(new Set(lines).size, 201);
  await assert.rejects(log.append('after close\n'), /closed/);
});

test('an empty append waits for the commit in flight and writes nothing', async () => {
  const dir = tempDir();
  const log = new SegmentLog({ dir, rotateMs: 1000, onSealed: () => {} }, 1);
  const first = log.append('a\n');
  let emptyDone = false;
  const empty = log.append('').then(() => (emptyDone = true));
  await first;
  await empty;
  assert.equal(emptyDone, true);
  await log.close();
  assert.equal(groupText(segmentFile(dir, 1)), 'a\n');
});

test('each commit reports its segment and the events it acknowledged, counted by the time its appends resolve', async () => {
  const dir = tempDir();
  const acknowledged = new Map<number, number>();
  const sealed: SealedSegment[] = [];
  const log = new SegmentLog(
    {
      dir,
      rotateMs: 20,
      onSealed: (s) => sealed.push(s),
      onAcknowledged: (segment, events) => acknowledged.set(segment, (acknowledged.get(segment) ?? 0) + events),
    },
    1,
  );
  const total = () => [...acknowledged.values()].reduce((a, b) => a + b, 0);
  // Append i holds i % 4 events (0: an all-duplicate request); each resolves only once its events are counted.
  const seenAtResolve: number[] = [];
  let appended = 0;
  await Promise.all(
    Array.from({ length: 120 }, (_, i) => {
      appended += i % 4;
      const counted = appended;
      return log.append(i % 4 ? `${'x\n'.repeat(i % 4)}` : '', i % 4).then(() => seenAtResolve.push(total() - counted));
    }),
  );
  await log.close();
  assert.equal(total(), appended);
  assert.ok(
    seenAtResolve.every((d) => d >= 0),
    'an append resolved before its events were counted',
  );
  // Per segment, the events counted are the lines the segment holds.
  for (const s of sealed) assert.equal(acknowledged.get(s.segment) ?? 0, groupText(s.file).split('\n').length - 1);
  assert.equal([...acknowledged.keys()].filter((k) => !sealed.some((s) => s.segment === k)).length, 0);
});
