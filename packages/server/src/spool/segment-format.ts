/**
 * One spool line per accepted event, rejected event, or fully stored batch. Fields are separated
 * by \x1f and quoted with \x02: neither byte can occur in valid JSON text, so the raw event is
 * written exactly as received, with no escaping on the hot path, and DuckDB's CSV reader (or a
 * ClickHouse loader) reads it back byte for byte.
 *
 * Fields: kind, syncts, hdr_did, hdr_channel, hdr_pid, msgid, mid, eid, reason, errors, n, raw
 *   kind 'e' valid event · 'f' rejected event · 'b' batch marker (every event of it is durable)
 */

export const FIELD = '\x1f';
export const QUOTE = '\x02';

export const SEGMENT_COLUMNS = [
  ['kind', 'VARCHAR'],
  ['syncts', 'BIGINT'],
  ['hdr_did', 'VARCHAR'],
  ['hdr_channel', 'VARCHAR'],
  ['hdr_pid', 'VARCHAR'],
  ['msgid', 'VARCHAR'],
  ['mid', 'VARCHAR'],
  ['eid', 'VARCHAR'],
  ['reason', 'VARCHAR'],
  ['errors', 'VARCHAR'],
  ['n', 'INTEGER'],
  ['raw', 'VARCHAR'],
] as const;

/** Values from headers or decoded JSON strings may hold control bytes; they never reach the framing. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control bytes is the point
const CONTROL = /[\x00-\x1f]/g;

function quoted(value: string | undefined): string {
  return value === undefined ? '' : QUOTE + value.replace(CONTROL, ' ') + QUOTE;
}

export interface RequestContext {
  syncts: number;
  did?: string;
  channel?: string;
  pid?: string;
  msgid?: string;
}

/** The part of an event line shared by every event of one request: computed once per request. */
export function eventLinePrefix(ctx: RequestContext): string {
  return `e${FIELD}${ctx.syncts}${FIELD}${quoted(ctx.did)}${FIELD}${quoted(ctx.channel)}${FIELD}${quoted(ctx.pid)}${FIELD}${quoted(ctx.msgid)}${FIELD}${FIELD}${FIELD}${FIELD}${FIELD}${FIELD}${QUOTE}`;
}

/** A valid event: prefix + the raw bytes as received. */
export function eventLine(prefix: string, raw: string): string {
  return `${prefix}${raw}${QUOTE}\n`;
}

export function failedLine(
  ctx: RequestContext,
  event: { mid?: string; eid?: string; reason: string; errors: string[]; raw: string },
): string {
  return (
    [
      'f',
      String(ctx.syncts),
      quoted(ctx.did),
      quoted(ctx.channel),
      quoted(ctx.pid),
      quoted(ctx.msgid),
      quoted(event.mid),
      quoted(event.eid),
      quoted(event.reason),
      quoted(JSON.stringify(event.errors)),
      '',
      QUOTE + event.raw + QUOTE,
    ].join(FIELD) + '\n'
  );
}

export function batchLine(ctx: RequestContext, msgid: string, events: number): string {
  return ['b', String(ctx.syncts), '', '', '', quoted(msgid), '', '', '', '', String(events), ''].join(FIELD) + '\n';
}
