/**
 * The spool's on-disk format (version 2). A segment file is a sequence of commit groups; each
 * group is one header record followed by the group's records:
 *
 *   c␟<bytes>␟…␟<crc32>␟…\n   then exactly <bytes> bytes of records whose CRC-32 is <crc32>
 *
 * A group is written by one write+fsync of the spool and acknowledged only after it, so recovery
 * keeps every whole group (length and checksum match) and sets aside the bytes of any that is not:
 * a torn write is found by its length/checksum, never by looking for newlines, which events sent
 * pretty-printed contain. The groups after a damaged one are found again by their header
 * (nextWholeGroup).
 *
 * A record is one line of 13 fields separated by \x1f (␟), strings quoted with \x02: neither byte
 * can occur in valid JSON text, so the raw event is written exactly as received, with no escaping
 * on the hot path, and DuckDB's CSV reader (or a ClickHouse loader) reads it back byte for byte
 * (header records are rows of kind 'c', which the loader skips).
 *
 * Fields: kind, syncts, clock_offset_ms, hdr_did, hdr_channel, hdr_pid, msgid, reason, errors, n, eid, mid, raw
 *   kind 'e' valid event · 'f' rejected event · 'b' batch marker (every event of it is durable) · 'c' group header
 *   · 'p' valid event of another ingest format (PostHog's): its typed values do not sit where the V3 envelope has
 *   them, so the collector writes what it read from `raw` as a V3-shaped JSON object in the `errors` field (unused by
 *   events) and the loader fills the typed columns from that instead of from `raw` (ingest/posthog/event-rules.ts)
 *   clock_offset_ms: the batch's clock correction in ms (0 until the collector estimates one); ets_corrected = ets + it
 *   header: syncts holds the group's byte length and n its CRC-32 (zlib.crc32, unsigned)
 *
 * Version 1 (until this change) had no group headers, no clock_offset_ms and the 12 fields
 * kind, syncts, hdr_did, hdr_channel, hdr_pid, msgid, mid, eid, reason, errors, n, raw; recovery
 * migrates such segments to version 2 once (see segment-recovery.ts).
 */
import { crc32 } from 'node:zlib';

export const FIELD = '\x1f';
export const QUOTE = '\x02';

export const SEGMENT_COLUMNS = [
  ['kind', 'VARCHAR'],
  ['syncts', 'BIGINT'],
  ['clock_offset_ms', 'BIGINT'],
  ['hdr_did', 'VARCHAR'],
  ['hdr_channel', 'VARCHAR'],
  ['hdr_pid', 'VARCHAR'],
  ['msgid', 'VARCHAR'],
  ['reason', 'VARCHAR'],
  ['errors', 'VARCHAR'],
  ['n', 'BIGINT'],
  ['eid', 'VARCHAR'],
  ['mid', 'VARCHAR'],
  ['raw', 'VARCHAR'],
] as const;

/** Index of each field in a record, by name. */
export const FIELD_INDEX = Object.fromEntries(SEGMENT_COLUMNS.map(([name], i) => [name, i])) as {
  [K in (typeof SEGMENT_COLUMNS)[number][0]]: number;
};

/** Values from headers or decoded JSON strings may hold control bytes; they never reach the framing. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control bytes is the point
const CONTROL = /[\x00-\x1f]/g;

function quoted(value: string | undefined): string {
  return value === undefined ? '' : QUOTE + value.replace(CONTROL, ' ') + QUOTE;
}

export interface RequestContext {
  /** Receive time, epoch ms. */
  syncts: number;
  /** The batch's clock correction in ms, an integer (0 or absent until estimated). */
  clockOffsetMs?: number;
  did?: string;
  channel?: string;
  pid?: string;
  msgid?: string;
}

function head(kind: string, ctx: RequestContext): string {
  const offset = Math.trunc(ctx.clockOffsetMs ?? 0);
  return `${kind}${FIELD}${ctx.syncts}${FIELD}${offset}${FIELD}${quoted(ctx.did)}${FIELD}${quoted(ctx.channel)}${FIELD}${quoted(ctx.pid)}${FIELD}${quoted(ctx.msgid)}`;
}

/** The part of an event record shared by every event of one request: computed once per request. */
export function eventLinePrefix(ctx: RequestContext): string {
  return `${head('e', ctx)}${FIELD}${FIELD}${FIELD}${FIELD}${FIELD}`;
}

/** A valid event: prefix + its mid (when known) + the raw bytes as received. */
export function eventLine(prefix: string, raw: string, mid?: string): string {
  return `${prefix}${quoted(mid)}${FIELD}${QUOTE}${raw}${QUOTE}\n`;
}

/**
 * A valid event of another ingest format (kind 'p'): `columns` is the V3-shaped JSON of its typed values (eid, ets,
 * mid, actor, context, edata), `raw` the event exactly as received. JSON.stringify never writes a control byte.
 */
export function foreignEventLine(
  ctx: RequestContext,
  event: { eid: string; mid: string; columns: string; raw: string },
) {
  return `${head('p', ctx)}${FIELD}${FIELD}${quoted(event.columns)}${FIELD}${FIELD}${quoted(event.eid)}${FIELD}${quoted(event.mid)}${FIELD}${QUOTE}${event.raw}${QUOTE}\n`;
}

export function failedLine(
  ctx: RequestContext,
  event: { mid?: string; eid?: string; reason: string; errors: string[]; raw: string },
): string {
  return `${head('f', ctx)}${FIELD}${quoted(event.reason)}${FIELD}${quoted(JSON.stringify(event.errors))}${FIELD}${FIELD}${quoted(event.eid)}${FIELD}${quoted(event.mid)}${FIELD}${QUOTE}${event.raw}${QUOTE}\n`;
}

export function batchLine(ctx: RequestContext, msgid: string, events: number): string {
  return `${head('b', { syncts: ctx.syncts, clockOffsetMs: ctx.clockOffsetMs, msgid })}${FIELD}${FIELD}${FIELD}${events}${FIELD}${FIELD}${FIELD}\n`;
}

/** The header record of a group of `bytes` bytes with CRC-32 `crc`. */
function groupHeader(bytes: number, crc: number): string {
  return `c${FIELD}${bytes}${FIELD}${FIELD}${FIELD}${FIELD}${FIELD}${FIELD}${FIELD}${FIELD}${crc}${FIELD}${FIELD}${FIELD}\n`;
}

/** Records (whole lines) framed as one commit group: header + bytes, ready to append. */
export function frameGroup(records: string | Buffer): Buffer {
  const body = typeof records === 'string' ? Buffer.from(records, 'utf8') : records;
  return Buffer.concat([Buffer.from(groupHeader(body.length, crc32(body)), 'latin1'), body]);
}

/** The longest header: 'c', two numbers of at most 20 digits, 12 separators and a newline. */
const MAX_HEADER_BYTES = 64;

/** The largest buffer a GroupFramer keeps between groups; a larger group gets a buffer of its own. */
const KEPT_FRAME_BYTES = 16 * 1024 * 1024;

/**
 * Frames commit groups (the bytes frameGroup gives for the records joined) in one buffer reused from group to group,
 * for the spool's hot path: joining a group's texts into one string and encoding that allocated two large objects per
 * commit, fresh pages the kernel had to fault in: 14% of the JavaScript thread's busy time at 50,000 events/s
 * (docs/benchmarks.md, "Above 10,000 events/s").
 */
export class GroupFramer {
  private buffer = Buffer.allocUnsafe(0);

  /**
   * The group of `texts` (each whole records, ending in a newline) as UTF-8: a view of this framer's buffer, valid
   * until the next call.
   */
  frame(texts: readonly string[]): Buffer {
    // UTF-8 takes at most 3 bytes per UTF-16 unit (a surrogate pair, two units, takes 4; a lone one is U+FFFD, 3).
    let bound = MAX_HEADER_BYTES;
    for (const text of texts) bound += text.length * 3;
    if (bound > this.buffer.length) {
      const buffer = Buffer.allocUnsafe(Math.max(bound, Math.min(2 * this.buffer.length, KEPT_FRAME_BYTES)));
      if (buffer.length > KEPT_FRAME_BYTES) return this.frameInto(buffer, texts);
      this.buffer = buffer;
    }
    return this.frameInto(this.buffer, texts);
  }

  private frameInto(buffer: Buffer, texts: readonly string[]): Buffer {
    let end = MAX_HEADER_BYTES;
    for (const text of texts) end += buffer.write(text, end, 'utf8');
    const body = buffer.subarray(MAX_HEADER_BYTES, end);
    const header = groupHeader(body.length, crc32(body));
    const start = MAX_HEADER_BYTES - header.length;
    buffer.write(header, start, 'latin1');
    return buffer.subarray(start, end);
  }
}

/**
 * The header record at `offset` of `data`, when one is there whole and well-formed: where the group's records start
 * and how many bytes and which CRC-32 the header declares (the records themselves are not checked).
 */
export function groupHeaderAt(data: Buffer, offset: number): { start: number; bytes: number; crc: number } | undefined {
  const newline = data.indexOf(10, offset);
  if (newline < 0 || newline - offset > MAX_HEADER_BYTES) return undefined;
  const fields = data.toString('latin1', offset, newline).split(FIELD);
  if (fields.length !== SEGMENT_COLUMNS.length || fields[0] !== 'c') return undefined;
  const bytes = Number(fields[FIELD_INDEX.syncts]);
  const crc = Number(fields[FIELD_INDEX.n]);
  if (!Number.isSafeInteger(bytes) || bytes < 0 || !/^\d+$/.test(fields[FIELD_INDEX.n])) return undefined;
  return { start: newline + 1, bytes, crc };
}

/**
 * Reads the group starting at `offset` of `data`: its end offset when the group is whole (header
 * parsed, all its bytes present, checksum equal), else undefined (torn, short, or not a header).
 */
export function wholeGroupEnd(data: Buffer, offset: number): number | undefined {
  const header = groupHeaderAt(data, offset);
  if (header === undefined) return undefined;
  const end = header.start + header.bytes;
  if (end > data.length || crc32(data.subarray(header.start, end)) !== header.crc) return undefined;
  return end;
}

/** A header record starts a line: '\n', 'c', the separator. */
const HEADER_START = Buffer.from('\nc\x1f', 'latin1');

/**
 * The offset of the first whole group (wholeGroupEnd) that starts after `from`, or undefined: how recovery finds the
 * groups that follow a damaged one. Safe because a group's records never hold the bytes "\n c ␟" except at a header:
 * a record's first field is its kind (e, f, b, p), every string field is quoted with \x02, and the quoted values
 * cannot hold \x1f (raw events are JSON text, which has no control bytes outside escapes; other strings have theirs
 * replaced, see `quoted`). A candidate is also kept only with its length and CRC-32 right.
 */
export function nextWholeGroup(data: Buffer, from: number): number | undefined {
  for (let at = data.indexOf(HEADER_START, from); at >= 0; at = data.indexOf(HEADER_START, at + 1)) {
    if (wholeGroupEnd(data, at + 1) !== undefined) return at + 1;
  }
  return undefined;
}

/** True when `data` starts like a version-2 segment (with a group header). */
export function isFramed(data: Buffer): boolean {
  return data.length >= 2 && data[0] === 0x63 /* c */ && data[1] === 0x1f;
}

/**
 * Parses whole records of `data[start, end)`: calls `onRecord(fields, recordEnd)` for each; a
 * quoted field runs to the next \x02 (newlines inside it are part of the value). Returns the
 * offset after the last whole record (a record cut short by `end` is not reported).
 */
export function parseRecords(
  data: Buffer,
  start: number,
  end: number,
  onRecord: (fields: string[], recordEnd: number) => void,
): number {
  let pos = start;
  let done = start;
  let fields: string[] = [];
  while (pos < end) {
    let value: string;
    if (data[pos] === 0x02) {
      const close = data.indexOf(0x02, pos + 1);
      if (close < 0 || close >= end) return done;
      value = data.toString('utf8', pos + 1, close);
      pos = close + 1;
    } else {
      let stop = pos;
      while (stop < end && data[stop] !== 0x1f && data[stop] !== 0x0a) stop++;
      value = data.toString('utf8', pos, stop);
      pos = stop;
    }
    if (pos >= end) return done;
    fields.push(value);
    if (data[pos] === 0x0a) {
      pos++;
      onRecord(fields, pos);
      done = pos;
      fields = [];
    } else if (data[pos] === 0x1f) {
      pos++;
    } else {
      return done; // bytes after a closing quote: not a record of this format
    }
  }
  return done;
}
