/**
 * Start-up recovery of the spool (format: segment-format.ts): every segment not yet loaded keeps its whole commit
 * groups, and the bytes around them that are not whole groups are set aside (set-aside.ts; what a crash tore was never
 * acknowledged, anything else is damage); segments of the previous format are migrated once, and segments already
 * loaded are deleted.
 */
import { isUtf8 } from 'node:buffer';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import {
  batchLine,
  eventLine,
  eventLinePrefix,
  FIELD_INDEX,
  failedLine,
  frameGroup,
  isFramed,
  nextWholeGroup,
  parseRecords,
  type RequestContext,
  SEGMENT_COLUMNS,
  wholeGroupEnd,
} from './segment-format.js';
import { isTornTail, type SetAside, syncDir, writeSetAside } from './set-aside.js';

export const SEGMENT_SUFFIX = '.seg';

export interface SealedSegment {
  segment: number;
  file: string;
  bytes: number;
}

export function segmentFile(dir: string, segment: number): string {
  return path.join(dir, `${String(segment).padStart(12, '0')}${SEGMENT_SUFFIX}`);
}

/** The length of the longest prefix of `data` made of whole commit groups. */
export function wholeLength(data: Buffer): number {
  let offset = 0;
  for (;;) {
    const end = offset < data.length ? wholeGroupEnd(data, offset) : undefined;
    if (end === undefined) return offset;
    offset = end;
  }
}

/**
 * A version-1 segment (no group headers, 12 fields) rewritten in version 2 as one group: the whole
 * records are kept (a quoted raw event may span lines, so a torn last record is found by its open
 * quote, not by the last newline), the torn rest is left out (recoverSegments sets it aside first), `mid` is filled
 * from the raw event.
 * A whole record of another shape becomes a rejected-event record (`load_error`): nothing is dropped.
 */
export function migrateLegacy(data: Buffer): Buffer {
  let records = '';
  parseRecords(data, 0, data.length, (v) => {
    if (v.length !== 12 || !['e', 'f', 'b'].includes(v[0])) {
      const errors = [`a version-1 spool record of ${v.length} fields could not be migrated`];
      records += failedLine({ syncts: Date.now() }, { reason: 'load_error', errors, raw: v.at(-1) ?? '' });
      return;
    }
    const opt = (s: string) => (s === '' ? undefined : s);
    const ctx: RequestContext = {
      syncts: Number(v[1]),
      did: opt(v[2]),
      channel: opt(v[3]),
      pid: opt(v[4]),
      msgid: opt(v[5]),
    };
    if (v[0] === 'e') records += eventLine(eventLinePrefix(ctx), v[11], midOf(v[11]));
    else if (v[0] === 'f') {
      const errors = v[9] === '' ? [] : parseErrors(v[9]);
      records += failedLine(ctx, { mid: opt(v[6]), eid: opt(v[7]), reason: v[8], errors, raw: v[11] });
    } else if (v[0] === 'b') records += batchLine(ctx, v[5], Number(v[10]));
  });
  return records === '' ? Buffer.alloc(0) : frameGroup(records);
}

function parseErrors(text: string): string[] {
  try {
    const errors = JSON.parse(text) as unknown;
    return Array.isArray(errors) ? errors.map(String) : [text];
  } catch {
    return [text];
  }
}

function midOf(raw: string): string | undefined {
  try {
    const mid = (JSON.parse(raw) as { mid?: unknown })?.mid;
    return typeof mid === 'string' ? mid : undefined;
  } catch {
    return undefined;
  }
}

/** Replaces `file` by `data`, durably (temporary file, fsync, rename, directory fsync). */
async function replaceFile(file: string, data: Buffer): Promise<void> {
  const temporary = `${file}.rewriting`;
  const handle = await fsp.open(temporary, 'w');
  await handle
    .writeFile(data)
    .then(() => handle.sync())
    .finally(() => handle.close());
  await fsp.rename(temporary, file);
  await syncDir(path.dirname(file));
}

/**
 * Rewrites a segment the store's reader cannot read (bytes that are not UTF-8, a record of the
 * wrong shape): whole records of the right shape are kept byte for byte; every other one becomes
 * a rejected-event record (reason `load_error`, the raw text with undecodable bytes replaced by
 * U+FFFD), so the load goes on and nothing is dropped. Returns the new size in bytes, how many
 * records were replaced (0: the file was left as it was) and the mids of the replaced event records (kinds `e`, `p`),
 * which the store will not hold.
 */
export async function sanitizeSegment(
  file: string,
  why: string,
): Promise<{ bytes: number; replaced: number; eventMids: string[] }> {
  const data = await fsp.readFile(file);
  let records = '';
  let replaced = 0;
  const eventMids: string[] = [];
  let start = 0;
  for (let offset = 0; offset < data.length; ) {
    const end = wholeGroupEnd(data, offset);
    if (end === undefined) break;
    start = data.indexOf(10, offset) + 1;
    parseRecords(data, start, end, (fields, recordEnd) => {
      const bytes = data.subarray(start, recordEnd);
      start = recordEnd;
      if (fields[0] === 'c') return;
      const shaped = fields.length === SEGMENT_COLUMNS.length;
      const utf8 = isUtf8(bytes);
      if (shaped && utf8) {
        records += bytes.toString('utf8');
        return;
      }
      replaced++;
      const mid = shaped ? fields[FIELD_INDEX.mid] : undefined;
      if (mid && (fields[0] === 'e' || fields[0] === 'p')) eventMids.push(mid);
      const problem = utf8
        ? `the spool record has ${fields.length} fields, not ${SEGMENT_COLUMNS.length}`
        : 'the spool record is not valid UTF-8 (raw has U+FFFD for the bytes that are not)';
      records += failedLine(
        { syncts: Date.now() },
        {
          mid,
          reason: 'load_error',
          errors: [why, problem],
          raw: fields.at(-1) ?? '',
        },
      );
    });
    offset = end;
  }
  if (replaced === 0) return { bytes: data.length, replaced, eventMids };
  const rewritten = frameGroup(records);
  await replaceFile(file, rewritten);
  return { bytes: rewritten.length, replaced, eventMids };
}

/**
 * The whole groups of `data` as [start, end) ranges, found again after any damage (nextWholeGroup), and the ranges
 * between and after them that are not whole groups.
 */
export function scanGroups(data: Buffer): { whole: Array<[number, number]>; broken: Array<[number, number]> } {
  const whole: Array<[number, number]> = [];
  const broken: Array<[number, number]> = [];
  let offset = 0;
  while (offset < data.length) {
    const end = wholeGroupEnd(data, offset);
    if (end !== undefined) {
      const last = whole.at(-1);
      if (last && last[1] === offset) last[1] = end;
      else whole.push([offset, end]);
      offset = end;
      continue;
    }
    const next = nextWholeGroup(data, offset) ?? data.length;
    broken.push([offset, next]);
    offset = next;
  }
  return { whole, broken };
}

/** Recovery's options. */
export interface RecoverOptions {
  /** Called for each range of bytes set aside (after it is durable in its own file). */
  onSetAside?: (setAside: SetAside) => void;
}

/**
 * Segments on disk after `loadedUpTo`, in order, each holding only its whole groups: the bytes that are not are moved
 * to files of their own first (set-aside.ts; a segment left with no whole group is deleted once they are); segments up
 * to `loadedUpTo` are deleted (loaded before a stop or crash). Throws only when the spool directory itself cannot be
 * read or written.
 */
export async function recoverSegments(
  dir: string,
  loadedUpTo: number,
  options: RecoverOptions = {},
): Promise<SealedSegment[]> {
  await fsp.mkdir(dir, { recursive: true });
  const names = (await fsp.readdir(dir))
    .filter((name) => name.endsWith(SEGMENT_SUFFIX) && /^\d+$/.test(name.slice(0, -SEGMENT_SUFFIX.length)))
    .sort();
  const segments: SealedSegment[] = [];
  for (const name of names) {
    const segment = Number(name.slice(0, -SEGMENT_SUFFIX.length));
    const file = path.join(dir, name);
    if (segment <= loadedUpTo) {
      await fsp.rm(file, { force: true }); // loaded before a crash, deletion did not happen
      continue;
    }
    let data: Buffer = await fsp.readFile(file).catch((error: Error) => {
      // Named, so the operator knows which entry stops the start (a directory or unreadable file by a segment's name).
      throw new Error(`the spool segment ${file} cannot be read (${error.message}); move it out of ${dir}`);
    });
    const newest = name === names.at(-1);
    // A first group torn within its first bytes (or zeros) is not a segment of the previous format.
    if (data.length > 0 && !isFramed(data) && !isTornTail(data, 0)) {
      // The migration keeps the whole records: the rest (a torn last record) is set aside first.
      const records = parseRecords(data, 0, data.length, () => {});
      if (records < data.length) {
        const saved = await writeSetAside(dir, file, records, data.subarray(records));
        const cause = newest ? 'torn_tail' : 'damaged';
        options.onSetAside?.({ segmentFile: file, offset: records, bytes: data.length - records, cause, file: saved });
      }
      data = migrateLegacy(data);
      await replaceFile(file, data);
    }
    const { whole, broken } = scanGroups(data);
    for (const [start, end] of broken) {
      // Durable in its own file before it leaves the segment: a crash in between sets it aside again, never loses it.
      const saved = await writeSetAside(dir, file, start, data.subarray(start, end));
      const cause = newest && end === data.length && isTornTail(data, start) ? 'torn_tail' : 'damaged';
      options.onSetAside?.({ segmentFile: file, offset: start, bytes: end - start, cause, file: saved });
    }
    const bytes = whole.reduce((sum, [start, end]) => sum + end - start, 0);
    if (bytes === 0) {
      await fsp.rm(file, { force: true });
      continue;
    }
    if (broken.length > 0) {
      if (whole.length === 1 && whole[0][0] === 0) await fsp.truncate(file, bytes);
      else await replaceFile(file, Buffer.concat(whole.map(([start, end]) => data.subarray(start, end))));
    }
    segments.push({ segment, file, bytes });
  }
  return segments;
}

/**
 * Calls `onMid` for each stored event's mid and `onMsgid` for each complete batch's msgid in the
 * given (recovered) segments: the de-duplication indexes must know what the spool holds before
 * the loader has moved it into the store.
 */
export function scanSegmentIds(
  segments: SealedSegment[],
  onMid: (mid: string) => void,
  onMsgid: (msgid: string) => void,
): void {
  for (const { file, bytes } of segments) {
    const data = fs.readFileSync(file).subarray(0, bytes);
    parseRecords(data, 0, data.length, (fields) => {
      if ((fields[0] === 'e' || fields[0] === 'p') && fields[FIELD_INDEX.mid] !== '') onMid(fields[FIELD_INDEX.mid]);
      else if (fields[0] === 'b' && fields[FIELD_INDEX.msgid] !== '') onMsgid(fields[FIELD_INDEX.msgid]);
    });
  }
}
