// Size-based segment rotation (issue 10): under steady traffic a segment is sealed once it holds rotateBytes, long
// before its timer, so one load stays small; the timer still seals a quiet segment.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { tempDir } from '../../test/temp-dir.js';
import { frameGroup } from './segment-format.js';
import { SegmentLog } from './segment-log.js';
import type { SealedSegment } from './segment-recovery.js';

test('a segment is sealed once it holds rotateBytes, whatever its timer says', async () => {
  const dir = tempDir('spool-rotate-');
  const sealed: SealedSegment[] = [];
  const log = new SegmentLog({ dir, rotateMs: 3_600_000, rotateBytes: 1000, onSealed: (s) => sealed.push(s) }, 1);
  const line = `${'x'.repeat(299)}\n`;
  // One at a time: each append is its own group of 300 bytes plus framing.
  for (let i = 0; i < 10; i++) await log.append(line);
  // Each segment seals at the first commit that takes it to 1,000 bytes or more: four groups each.
  const beforeClose = sealed.map((s) => [s.segment, s.bytes >= 1000 && s.bytes < 1400]);
  await log.close();
  assert.deepEqual(beforeClose, [
    [1, true],
    [2, true],
  ]);
  assert.equal(sealed.length, 3, 'close seals the last, smaller one');
  assert.ok(sealed[2].bytes < 1000);
  assert.equal(
    sealed.reduce((sum, s) => sum + s.bytes, 0),
    sealed.reduce((sum, s) => sum + fs.statSync(s.file).size, 0),
  );
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a segment that holds exactly rotateBytes is sealed', async () => {
  const dir = tempDir('spool-rotate-');
  const sealed: SealedSegment[] = [];
  const line = 'exactly\n';
  const rotateBytes = frameGroup(line).length;
  const log = new SegmentLog({ dir, rotateMs: 3_600_000, rotateBytes, onSealed: (s) => sealed.push(s) }, 1);
  await log.append(line);
  await log.append(''); // resolves after the loop's next turn, where a due seal happens
  const beforeClose = sealed.map((s) => [s.segment, s.bytes]);
  await log.close();
  assert.deepEqual(beforeClose, [[1, rotateBytes]]);
});

test('without rotateBytes a quiet segment is sealed by its timer', async () => {
  const dir = tempDir('spool-rotate-');
  const sealed: SealedSegment[] = [];
  const log = new SegmentLog({ dir, rotateMs: 20, onSealed: (s) => sealed.push(s) }, 7);
  await log.append('one\n');
  for (let waited = 0; sealed.length === 0 && waited < 5000; waited += 10) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(
    sealed.map((s) => s.segment),
    [7],
  );
  await log.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('by default a segment is sealed once it holds 8 MiB', async () => {
  const dir = tempDir('spool-rotate-');
  const sealed: SealedSegment[] = [];
  const log = new SegmentLog({ dir, rotateMs: 3_600_000, onSealed: (s) => sealed.push(s) }, 1);
  const half = `${'x'.repeat(4 * 1024 * 1024 - 1)}\n`;
  await log.append(half);
  assert.equal(sealed.length, 0, '4 MiB stay in the open segment');
  await log.append(half);
  // Sealed right after the commit's acknowledgement, in the same flush loop.
  for (let waited = 0; sealed.length === 0 && waited < 30_000; waited += 10)
    await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(
    sealed.map((s) => [s.segment, s.bytes > 8 * 1024 * 1024]),
    [[1, true]],
    'the commit that reaches 8 MiB seals the segment',
  );
  await log.close();
  fs.rmSync(dir, { recursive: true, force: true });
});
