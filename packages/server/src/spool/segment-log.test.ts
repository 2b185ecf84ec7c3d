import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { recoverSegments, type SealedSegment, SegmentLog, segmentFile } from './segment-log.js';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'spool-test-'));
}

test('concurrent appends are committed in groups and sealed into ordered segments', async () => {
  const dir = tempDir();
  const sealed: SealedSegment[] = [];
  let commits = 0;
  const log = new SegmentLog({ dir, rotateMs: 20, onSealed: (s) => sealed.push(s), onCommit: () => commits++ }, 1);
  await Promise.all(Array.from({ length: 200 }, (_, i) => log.append(`line ${i}\n`)));
  assert.ok(commits < 200, `200 appends took ${commits} fsyncs`);
  // Wait until timed seals hold all 200 lines (polling: a loaded machine may be slow), then write into a new segment.
  const sealedLines = () => sealed.reduce((n, s) => n + fs.readFileSync(s.file, 'utf8').split('\n').length - 1, 0);
  for (let waited = 0; sealedLines() < 200 && waited < 5000; waited += 10) await new Promise((r) => setTimeout(r, 10));
  await log.append('later\n');
  await log.close();
  // Slow fsyncs may seal more than once during the 200 appends: segments are consecutive from 1 either way.
  assert.ok(sealed.length >= 2, `${sealed.length} segments`);
  assert.deepEqual(
    sealed.map((s) => s.segment),
    sealed.map((_, i) => i + 1),
  );
  const contents = sealed.map((s) => fs.readFileSync(s.file, 'utf8').trim().split('\n'));
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
  assert.equal(fs.readFileSync(segmentFile(dir, 1), 'utf8'), 'a\n');
});

test('recovery cuts a torn last line, drops segments already loaded, keeps the rest in order', async () => {
  const dir = tempDir();
  fs.writeFileSync(segmentFile(dir, 3), 'loaded\n');
  fs.writeFileSync(segmentFile(dir, 4), 'one\ntwo\n');
  fs.writeFileSync(segmentFile(dir, 5), 'three\nfour-torn');
  fs.writeFileSync(segmentFile(dir, 6), 'torn-only');
  const segments = await recoverSegments(dir, 3);
  assert.deepEqual(
    segments.map((s) => s.segment),
    [4, 5],
  );
  assert.equal(fs.readFileSync(segmentFile(dir, 5), 'utf8'), 'three\n');
  assert.equal(fs.existsSync(segmentFile(dir, 3)), false);
  assert.equal(fs.existsSync(segmentFile(dir, 6)), false);
});
