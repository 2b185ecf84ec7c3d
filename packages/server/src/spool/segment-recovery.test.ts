// The spool's on-disk format and start-up recovery, called directly (issue 10: segment-format.ts and
// segment-recovery.ts were only reached through whole servers in test/, too slow for mutation testing): records
// and their quoting, whole and torn commit groups, the version-1 migration, sanitizing unreadable records, the
// recovery of a spool directory, and the ids the de-duplication indexes are seeded with.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { tempDir as makeTempDir } from '../../test/temp-dir.js';
import {
  batchLine,
  eventLine,
  eventLinePrefix,
  FIELD_INDEX,
  failedLine,
  foreignEventLine,
  frameGroup,
  isFramed,
  parseRecords,
  SEGMENT_COLUMNS,
  wholeGroupEnd,
} from './segment-format.js';
import {
  migrateLegacy,
  recoverSegments,
  sanitizeSegment,
  scanSegmentIds,
  segmentFile,
  wholeLength,
} from './segment-recovery.js';
import { isTornTail } from './set-aside.js';

const F = '\x1f';
const Q = '\x02';

/** Every record of `data` (headers included) as its fields. */
function records(data: Buffer): string[][] {
  const out: string[][] = [];
  parseRecords(data, 0, data.length, (fields) => out.push(fields));
  return out;
}

const tempDir = () => makeTempDir('segment-recovery-');

test('event, rejected-event and batch records: 13 fields, quoted strings, control bytes of headers blanked', () => {
  const ctx = {
    syncts: 1700000000123,
    clockOffsetMs: -1500.7,
    did: 'd\n1',
    channel: 'ch',
    pid: undefined,
    msgid: 'm-1',
  };
  const raw = '{\n  "eid": "START",\n  "mid": "x"\n}';
  const text =
    eventLine(eventLinePrefix(ctx), raw, 'mid-1') +
    eventLine(eventLinePrefix({ syncts: 5 }), '{}') +
    failedLine(ctx, { mid: 'mid-2', eid: 'END', reason: 'invalid', errors: ['a', 'b'], raw: 'not json' }) +
    batchLine(ctx, 'm-1', 2);
  const parsed = records(Buffer.from(text));
  assert.equal(parsed.length, 4);
  for (const fields of parsed) assert.equal(fields.length, SEGMENT_COLUMNS.length);
  assert.deepEqual(parsed[0], ['e', '1700000000123', '-1500', 'd 1', 'ch', '', 'm-1', '', '', '', '', 'mid-1', raw]);
  assert.deepEqual(parsed[1], ['e', '5', '0', '', '', '', '', '', '', '', '', '', '{}']);
  assert.deepEqual(parsed[2], [
    'f',
    '1700000000123',
    '-1500',
    'd 1',
    'ch',
    '',
    'm-1',
    'invalid',
    '["a","b"]',
    '',
    'END',
    'mid-2',
    'not json',
  ]);
  assert.deepEqual(parsed[3], ['b', '1700000000123', '-1500', '', '', '', 'm-1', '', '', '2', '', '', '']);
  assert.equal(parsed[0][FIELD_INDEX.raw], raw, 'the raw event byte for byte, newlines and all');
});

test('a commit group is whole only when its header, length and checksum all hold', () => {
  const body = eventLine(eventLinePrefix({ syncts: 1 }), '{"a":1}', 'm');
  const group = frameGroup(body);
  const two = Buffer.concat([group, frameGroup(Buffer.from(body))]);
  assert.equal(isFramed(group), true);
  assert.equal(isFramed(Buffer.from(body)), false);
  assert.equal(isFramed(Buffer.from('c')), false);
  assert.equal(isFramed(Buffer.from('cx')), false);
  assert.equal(wholeGroupEnd(group, 0), group.length);
  assert.equal(wholeGroupEnd(two, group.length), two.length);
  assert.equal(wholeLength(two), two.length);
  assert.equal(wholeGroupEnd(group.subarray(0, group.length - 1), 0), undefined, 'one byte short');
  const flipped = Buffer.from(group);
  flipped[flipped.length - 3] ^= 1;
  assert.equal(wholeGroupEnd(flipped, 0), undefined, 'a changed byte fails the checksum');
  assert.equal(wholeLength(Buffer.concat([group, flipped])), group.length, 'cut before the first bad group');
  assert.equal(wholeLength(Buffer.concat([group, group.subarray(0, 10)])), group.length, 'a torn header');
  assert.equal(wholeLength(Buffer.alloc(0)), 0);
  const header = group.toString('latin1', 0, group.indexOf(10));
  const withHeader = (h: string) =>
    Buffer.concat([Buffer.from(`${h}\n`, 'latin1'), group.subarray(group.indexOf(10) + 1)]);
  assert.equal(wholeGroupEnd(withHeader(header), 0), group.length, 'the header rebuilt as it was');
  assert.equal(wholeGroupEnd(withHeader(`e${header.slice(1)}`), 0), undefined, 'not a header record');
  const negative = header.split(F);
  negative[FIELD_INDEX.syncts] = '-1';
  assert.equal(wholeGroupEnd(withHeader(negative.join(F)), 0), undefined, 'negative length');
  assert.equal(wholeGroupEnd(withHeader(`${header}${F}`), 0), undefined, 'a field too many');
  const crcAt = header.split(F);
  crcAt[FIELD_INDEX.n] = `+${crcAt[FIELD_INDEX.n]}`;
  assert.equal(wholeGroupEnd(withHeader(crcAt.join(F)), 0), undefined, 'a checksum that is not digits');
  const padded = header.split(F);
  padded[FIELD_INDEX.syncts] = padded[FIELD_INDEX.syncts].padStart(70, '0');
  assert.equal(wholeGroupEnd(withHeader(padded.join(F)), 0), undefined, 'a header longer than 64 bytes');
});

test('parseRecords reports whole records only and stops at bytes that are not of this format', () => {
  const line = `e${F}1${F}${Q}a\nb${Q}\n`;
  const data = Buffer.from(line + line);
  const seen: [string[], number][] = [];
  const done = parseRecords(data, 0, data.length - 2, (fields, end) => seen.push([fields, end]));
  assert.deepEqual(seen, [[['e', '1', 'a\nb'], line.length]]);
  assert.equal(done, line.length, 'the second record is cut short by end');
  assert.equal(
    parseRecords(Buffer.from(`e${F}${Q}open`), 0, 7, () => assert.fail('no record')),
    0,
  );
  assert.equal(
    parseRecords(Buffer.from(`e${F}${Q}x${Q}y\n`), 0, 8, () => assert.fail('no record')),
    0,
  );
  assert.equal(
    parseRecords(Buffer.from(`e${F}1`), 0, 3, () => assert.fail('no record')),
    0,
  );
});

test('a PostHog record (kind p): its typed values as JSON in the errors field, the raw event as received', () => {
  const columns = '{"eid":"INTERACT","mid":"ph-1"}';
  const raw = '{"event":"$autocapture",\n "uuid":"ph-1"}';
  const [fields] = records(
    Buffer.from(
      foreignEventLine(
        { syncts: 7, did: 'd', channel: 'c', pid: 'p', msgid: 'm' },
        { eid: 'INTERACT', mid: 'ph-1', columns, raw },
      ),
    ),
  );
  assert.deepEqual(fields, ['p', '7', '0', 'd', 'c', 'p', 'm', '', columns, '', 'INTERACT', 'ph-1', raw]);
});

test('the format\'s bounds: a 64-byte header, an empty group, a bare "c␟", a checksum padded with spaces', () => {
  const body = eventLine(eventLinePrefix({ syncts: 1 }), '{}', 'm');
  const group = frameGroup(body);
  const newline = group.indexOf(10);
  const header = group.toString('latin1', 0, newline).split(F);
  const withHeader = (fields: string[]) =>
    Buffer.concat([Buffer.from(`${fields.join(F)}\n`, 'latin1'), group.subarray(newline + 1)]);
  // The byte length padded with zeros (Number() reads them) to exactly MAX_HEADER_BYTES, then one more.
  const padTo = (length: number) => {
    const fields = [...header];
    fields[FIELD_INDEX.syncts] = fields[FIELD_INDEX.syncts].padStart(
      length - (newline - fields[FIELD_INDEX.syncts].length),
      '0',
    );
    return fields;
  };
  assert.equal(padTo(64).join(F).length, 64);
  assert.equal(wholeGroupEnd(withHeader(padTo(64)), 0), 65 + body.length, 'a header of exactly 64 bytes is read');
  assert.equal(wholeGroupEnd(withHeader(padTo(65)), 0), undefined, 'one byte longer is not a header');
  const empty = frameGroup('');
  assert.equal(wholeGroupEnd(empty, 0), empty.length, 'a group of no records is whole');
  assert.equal(isFramed(Buffer.from(`c${F}`)), true, 'two bytes are enough to tell a framed segment');
  for (const crc of [` ${header[FIELD_INDEX.n]}`, `${header[FIELD_INDEX.n]} `]) {
    const spaced = [...header];
    spaced[FIELD_INDEX.n] = crc; // Number() would read it; the format allows digits only
    assert.equal(wholeGroupEnd(withHeader(spaced), 0), undefined, `checksum ${JSON.stringify(crc)}`);
  }
  assert.equal(
    parseRecords(Buffer.from(`e${F}1\n`), 0, 3, () => assert.fail('the newline lies past end')),
    0,
    'a record whose newline lies just past end is not whole',
  );
});

/** A version-1 record: kind, syncts, hdr_did, hdr_channel, hdr_pid, msgid, mid, eid, reason, errors, n, raw. */
const v1 = (fields: string[]) => `${fields.map((f, i) => (i === fields.length - 1 ? Q + f + Q : f)).join(F)}\n`;

test('a version-1 segment is migrated to one version-2 group; a record of another shape is kept as load_error', () => {
  const legacy = Buffer.from(
    v1(['e', '100', 'dev', 'chan', 'pid', 'msg', 'ignored', 'START', '', '', '', '{"mid":"m-1","eid":"START"}']) +
      v1(['f', '101', '', '', '', '', 'm-2', 'END', 'invalid', '["bad edata"]', '', '{"mid":"m-2"}']) +
      v1(['f', '101', '', '', '', '', '', '', 'invalid', 'not a list', '', 'x']) +
      v1(['b', '102', '', '', '', 'msg', '', '', '', '', '1', '']) +
      v1(['x', 'odd']) +
      `e${F}torn`,
  );
  const migrated = migrateLegacy(legacy);
  assert.equal(isFramed(migrated), true);
  assert.equal(wholeLength(migrated), migrated.length, 'one whole group');
  const [header, ...rest] = records(migrated);
  assert.equal(header[0], 'c');
  assert.deepEqual(
    rest.map((r) => r.length),
    [13, 13, 13, 13, 13],
    'five whole records; the torn one is dropped',
  );
  const [event, failed, failedText, batch, odd] = rest;
  assert.deepEqual(
    [event[0], event[1], event[3], event[4], event[5], event[6], event[FIELD_INDEX.mid], event[FIELD_INDEX.raw]],
    ['e', '100', 'dev', 'chan', 'pid', 'msg', 'm-1', '{"mid":"m-1","eid":"START"}'],
  );
  assert.deepEqual(
    [
      failed[0],
      failed[FIELD_INDEX.mid],
      failed[FIELD_INDEX.eid],
      failed[FIELD_INDEX.reason],
      failed[FIELD_INDEX.errors],
    ],
    ['f', 'm-2', 'END', 'invalid', '["bad edata"]'],
  );
  assert.deepEqual([failedText[FIELD_INDEX.mid], failedText[FIELD_INDEX.errors]], ['', '["not a list"]']);
  assert.deepEqual([batch[0], batch[1], batch[FIELD_INDEX.msgid], batch[FIELD_INDEX.n]], ['b', '102', 'msg', '1']);
  assert.equal(odd[0], 'f');
  assert.equal(odd[FIELD_INDEX.reason], 'load_error');
  assert.deepEqual(JSON.parse(odd[FIELD_INDEX.errors]), ['a version-1 spool record of 2 fields could not be migrated']);
  assert.equal(odd[FIELD_INDEX.raw], 'odd');
  assert.equal(migrateLegacy(Buffer.from(`e${F}torn`)).length, 0, 'nothing whole: an empty segment');
  // A raw event that is not JSON (or has no string mid) migrates with an empty mid.
  const [, noMid, numericMid] = records(
    migrateLegacy(
      Buffer.from(
        v1(['e', '1', '', '', '', '', '', '', '', '', '', 'nope']) +
          v1(['e', '1', '', '', '', '', '', '', '', '', '', '{"mid":5}']),
      ),
    ),
  );
  assert.deepEqual([noMid[FIELD_INDEX.mid], numericMid[FIELD_INDEX.mid]], ['', '']);
  // A rejected event with no errors keeps an empty list; a record of another shape keeps its last field as raw, and
  // gets the migration's time.
  const [, noErrors, odd3] = records(
    migrateLegacy(
      Buffer.from(v1(['f', '1', '', '', '', '', 'm', 'END', 'invalid', '', '', '{}']) + v1(['x', 'y', 'last'])),
    ),
  );
  assert.equal(noErrors[FIELD_INDEX.errors], '[]');
  // A known kind with the wrong field count, or twelve fields of an unknown kind: load_error too, not dropped.
  const [, shortEvent, unknownKind] = records(
    migrateLegacy(
      Buffer.from(v1(['e', '1', '{"mid":"s"}']) + v1(['z', '1', '', '', '', '', '', '', '', '', '', '{}'])),
    ),
  );
  assert.deepEqual(
    [shortEvent[0], shortEvent[FIELD_INDEX.reason], shortEvent[FIELD_INDEX.raw]],
    ['f', 'load_error', '{"mid":"s"}'],
  );
  assert.deepEqual([unknownKind[0], unknownKind[FIELD_INDEX.reason]], ['f', 'load_error']);
  assert.deepEqual([odd3[FIELD_INDEX.reason], odd3[FIELD_INDEX.raw]], ['load_error', 'last']);
  assert.match(odd3[FIELD_INDEX.syncts], /^\d{13}$/);
});

test('recovery deletes loaded and empty segments, cuts torn tails, migrates version 1, and skips other files', async () => {
  const dir = tempDir();
  const group = frameGroup(eventLine(eventLinePrefix({ syncts: 1 }), '{"mid":"a"}', 'a'));
  // Written newest first: the recovered order is the segments' numbers, not the directory's.
  fs.writeFileSync(segmentFile(dir, 10), group); // after 9 and below in numbers, whatever the file names sort like
  fs.writeFileSync(segmentFile(dir, 1), group); // loaded before the crash
  fs.writeFileSync(segmentFile(dir, 2), group);
  fs.writeFileSync(segmentFile(dir, 3), Buffer.concat([group, group, group.subarray(0, 20)])); // torn tail
  fs.writeFileSync(segmentFile(dir, 4), group.subarray(0, 20)); // nothing whole
  fs.writeFileSync(segmentFile(dir, 5), v1(['e', '9', '', '', '', '', '', '', '', '', '', '{"mid":"v1"}']));
  fs.writeFileSync(segmentFile(dir, 6), Buffer.alloc(0));
  fs.writeFileSync(path.join(dir, 'notes.seg'), 'not a segment');
  fs.writeFileSync(path.join(dir, '000000000007.seg.rewriting'), 'left over');
  for (const name of ['1234x.seg', '12x.seg', 'x12.seg']) fs.writeFileSync(path.join(dir, name), group);
  const recovered = await recoverSegments(dir, 1);
  assert.deepEqual(
    recovered.map((s) => [s.segment, s.file, s.bytes]),
    [
      [2, segmentFile(dir, 2), group.length],
      [3, segmentFile(dir, 3), 2 * group.length],
      [5, segmentFile(dir, 5), fs.statSync(segmentFile(dir, 5)).size],
      [10, segmentFile(dir, 10), group.length],
    ],
  );
  assert.equal(path.basename(segmentFile(dir, 10)), '000000000010.seg');
  assert.equal(fs.statSync(segmentFile(dir, 3)).size, 2 * group.length, 'the torn tail is cut off the file');
  for (const gone of [1, 4, 6]) assert.equal(fs.existsSync(segmentFile(dir, gone)), false, `segment ${gone}`);
  for (const other of ['notes.seg', '000000000007.seg.rewriting', '1234x.seg', '12x.seg', 'x12.seg'])
    assert.ok(fs.existsSync(path.join(dir, other)), `${other} is left alone`);
  const migrated = fs.readFileSync(segmentFile(dir, 5));
  assert.equal(isFramed(migrated), true, 'rewritten on disk in version 2');
  assert.equal(records(migrated)[1][FIELD_INDEX.mid], 'v1');
  // The ids the de-duplication indexes learn: event mids and batch msgids, within the recovered bytes only.
  const batch = frameGroup(
    batchLine({ syncts: 2 }, 'msg-1', 1) +
      eventLine(eventLinePrefix({ syncts: 2 }), '{}') +
      batchLine({ syncts: 2 }, '', 1) +
      failedLine({ syncts: 2, msgid: 'msg-1' }, { mid: 'rejected', reason: 'invalid_schema', errors: [], raw: '{}' }) +
      foreignEventLine({ syncts: 2 }, { eid: '$pageview', mid: 'ph-1', columns: '{}', raw: '{}' }),
  );
  fs.appendFileSync(segmentFile(dir, 2), batch);
  const mids: string[] = [];
  const msgids: string[] = [];
  const grown = [{ ...recovered[0], bytes: recovered[0].bytes + batch.length }, ...recovered.slice(1)];
  scanSegmentIds(
    grown,
    (m) => mids.push(m),
    (m) => msgids.push(m),
  );
  assert.deepEqual(mids, ['a', 'ph-1', 'a', 'a', 'v1', 'a'], 'PostHog events too; rejected ones and no mid add none');
  assert.deepEqual(msgids, ['msg-1'], 'only batch records, and only with a msgid: a batch is known once complete');
  mids.length = 0;
  msgids.length = 0;
  scanSegmentIds(
    recovered.slice(0, 1),
    (m) => mids.push(m),
    (m) => msgids.push(m),
  );
  assert.deepEqual([mids, msgids], [['a'], []], 'bytes past a segment’s recovered length are not read');
  assert.deepEqual(await recoverSegments(path.join(dir, 'new', 'spool'), 0), [], 'a missing directory is created');
  assert.ok(fs.existsSync(path.join(dir, 'new', 'spool')));
});

test('sanitizing keeps whole well-shaped records byte for byte and turns the others into load_error records', async () => {
  const dir = tempDir();
  const file = segmentFile(dir, 1);
  const good = eventLine(eventLinePrefix({ syncts: 1, did: 'd' }), '{"mid":"ok"}', 'ok');
  const short = `e${F}1${F}${Q}{"mid":"short"}${Q}\n`;
  const notUtf8 = Buffer.concat([
    Buffer.from(eventLine(eventLinePrefix({ syncts: 1 }), '{"v":"X"}', 'bin').replace('X', '@')),
  ]);
  notUtf8[notUtf8.indexOf('@')] = 0xff;
  fs.writeFileSync(file, Buffer.concat([frameGroup(good), frameGroup(Buffer.concat([Buffer.from(short), notUtf8]))]));
  const result = await sanitizeSegment(file, 'the store could not read it');
  assert.equal(result.replaced, 2);
  assert.deepEqual(result.eventMids, ['bin'], 'the replaced event records whose mid could be read');
  const data = fs.readFileSync(file);
  assert.equal(result.bytes, data.length);
  assert.equal(wholeLength(data), data.length, 'rewritten as whole groups');
  const [, kept, shortRecord, binRecord] = records(data);
  assert.deepEqual(kept, records(Buffer.from(good))[0], 'the good record unchanged');
  assert.equal(data.includes(Buffer.from(good)), true, 'byte for byte');
  assert.deepEqual(
    [shortRecord[0], shortRecord[FIELD_INDEX.reason], shortRecord[FIELD_INDEX.mid], shortRecord[FIELD_INDEX.raw]],
    ['f', 'load_error', '', '{"mid":"short"}'],
  );
  assert.match(shortRecord[FIELD_INDEX.syncts], /^\d{13}$/, 'the time it was sanitized');
  assert.deepEqual(JSON.parse(shortRecord[FIELD_INDEX.errors]), [
    'the store could not read it',
    'the spool record has 3 fields, not 13',
  ]);
  assert.deepEqual(
    [binRecord[0], binRecord[FIELD_INDEX.reason], binRecord[FIELD_INDEX.mid], binRecord[FIELD_INDEX.raw]],
    ['f', 'load_error', 'bin', '{"v":"\ufffd"}'],
  );
  assert.deepEqual(JSON.parse(binRecord[FIELD_INDEX.errors]), [
    'the store could not read it',
    'the spool record is not valid UTF-8 (raw has U+FFFD for the bytes that are not)',
  ]);
  // A clean segment is left as it was; a torn tail is not read.
  const clean = segmentFile(dir, 2);
  const cleanData = Buffer.concat([frameGroup(good), Buffer.from('c\x1f9')]);
  fs.writeFileSync(clean, cleanData);
  const before = fs.statSync(clean).mtimeMs;
  assert.deepEqual(await sanitizeSegment(clean, 'why'), { bytes: cleanData.length, replaced: 0, eventMids: [] });
  assert.deepEqual(fs.readFileSync(clean), cleanData);
  assert.equal(fs.statSync(clean).mtimeMs, before);
});

test('isTornTail: a partial last group (header or records cut short, zeros) is torn; a whole one changed is not', () => {
  const group = frameGroup(eventLine(eventLinePrefix({ syncts: 1 }), '{"eid":"INTERACT"}', 'm1'));
  const data = Buffer.concat([frameGroup('x\n'), group]);
  const at = data.length - group.length;
  assert.equal(isTornTail(data.subarray(0, data.length - 5), at), true, 'records cut short');
  assert.equal(isTornTail(data.subarray(0, at + 3), at), true, 'header cut short');
  assert.equal(isTornTail(Buffer.concat([data.subarray(0, at), Buffer.alloc(100)]), at), true, 'zeros');
  const flipped = Buffer.from(data);
  flipped[flipped.length - 3] ^= 1;
  assert.equal(isTornTail(flipped, at), false, 'a changed byte, all bytes there');
  const header = group.toString('latin1', 0, group.indexOf(10));
  const bytes = header.split(F)[FIELD_INDEX.syncts];
  const longer = header.replace(`${F}${bytes}${F}`, `${F}${Number(bytes) + 1000}${F}`);
  const relabelled = Buffer.concat([
    data.subarray(0, at),
    Buffer.from(`${longer}\n`, 'latin1'),
    group.subarray(header.length + 1),
  ]);
  assert.equal(isTornTail(relabelled, at), false, 'a whole group whose length was changed');
  assert.equal(isTornTail(Buffer.from(`x${F}`), 0), false, 'not a header');
});

test('an entry by a segment name that cannot be read (a directory) stops recovery naming it, and is left alone', async () => {
  const dir = makeTempDir('segment-recovery-unreadable-');
  fs.mkdirSync(path.join(dir, '000000000002.seg'));
  await assert.rejects(recoverSegments(dir, 0), {
    message: new RegExp(`the spool segment ${path.join(dir, '000000000002.seg')} cannot be read \\(EISDIR`),
  });
  assert.ok(fs.statSync(path.join(dir, '000000000002.seg')).isDirectory());
});
