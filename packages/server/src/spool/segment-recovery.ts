/**
 * Start-up recovery of the spool (format: segment-format.ts): every segment not yet loaded is cut
 * after its last whole commit group (what a crash or a full disk tore was never acknowledged),
 * segments of the previous format are migrated once, and segments already loaded are deleted.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import {
  batchLine,
  eventLine,
  eventLinePrefix,
  F,
  failedLine,
  frameGroup,
  isFramed,
  parseRecords,
  type RequestContext,
  wholeGroupEnd,
} from './segment-format.js';

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
 * quote, not by the last newline), the torn rest is dropped, `mid` is filled from the raw event.
 */
export function migrateLegacy(data: Buffer): Buffer {
  let records = '';
  parseRecords(data, 0, data.length, (v) => {
    if (v.length !== 12) return;
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
      const errors = v[9] === '' ? [] : (JSON.parse(v[9]) as string[]);
      records += failedLine(ctx, { mid: opt(v[6]), eid: opt(v[7]), reason: v[8], errors, raw: v[11] });
    } else if (v[0] === 'b') records += batchLine(ctx, v[5], Number(v[10]));
  });
  return records === '' ? Buffer.alloc(0) : frameGroup(records);
}

function midOf(raw: string): string | undefined {
  try {
    const mid = (JSON.parse(raw) as { mid?: unknown })?.mid;
    return typeof mid === 'string' ? mid : undefined;
  } catch {
    return undefined;
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await fsp.open(dir, 'r');
  await handle.sync().finally(() => handle.close());
}

/**
 * Segments on disk after `loadedUpTo`, in order, each cut after its last whole group (an empty one
 * is deleted); segments up to `loadedUpTo` are deleted (loaded before a stop or crash). Throws only
 * when the spool directory itself cannot be read or written.
 */
export async function recoverSegments(dir: string, loadedUpTo: number): Promise<SealedSegment[]> {
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
    let data: Buffer = await fsp.readFile(file);
    if (data.length > 0 && !isFramed(data)) {
      data = migrateLegacy(data);
      const temporary = `${file}.migrating`;
      const handle = await fsp.open(temporary, 'w');
      await handle
        .writeFile(data)
        .then(() => handle.sync())
        .finally(() => handle.close());
      await fsp.rename(temporary, file);
      await syncDir(dir);
    }
    const end = wholeLength(data);
    if (end === 0) {
      await fsp.rm(file, { force: true });
      continue;
    }
    if (end < data.length) await fsp.truncate(file, end);
    segments.push({ segment, file, bytes: end });
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
      if (fields[0] === 'e' && fields[F.mid] !== '') onMid(fields[F.mid]);
      else if (fields[0] === 'b' && fields[F.msgid] !== '') onMsgid(fields[F.msgid]);
    });
  }
}
