/**
 * Server-Sent Events framing (WHATWG HTML §9.2): a stored value never reaches a control line. `event` and
 * `id` are ours and checked; data is split at every line break the spec knows, each part on its own
 * `data:` line, so no value can end a frame early or add a field.
 */

/** Characters a control field may hold: visible ASCII only (no CR, LF, NUL, no spaces). */
const CONTROL_FIELD = /^[\x21-\x7e]*$/;

/** The SSE line breaks: CRLF, lone CR, lone LF. */
const LINE_BREAK = /\r\n|\r|\n/;

export interface SseMessage {
  /** The event type; visible ASCII. */
  event: string;
  /** The message id; visible ASCII (encode stored values, e.g. with base64url). */
  id?: string;
  /** Any text; line breaks become separate data lines, which the client joins back with LF. */
  data: string;
}

/**
 * One SSE message, ending with its blank line.
 * @throws Error when `event` or `id` holds anything but visible ASCII (a programming error, never user data).
 */
export function sseMessage(message: SseMessage): string {
  for (const field of [message.event, message.id ?? '']) {
    if (!CONTROL_FIELD.test(field))
      throw new Error(`an SSE control field must be visible ASCII: ${JSON.stringify(field)}`);
  }
  const id = message.id === undefined ? '' : `id: ${message.id}\n`;
  const data = message.data
    .split(LINE_BREAK)
    .map((line) => `data: ${line}\n`)
    .join('');
  return `${id}event: ${message.event}\n${data}\n`;
}

/** The live tail's message id: the receive time and the mid, base64url-encoded so the mid is never raw. */
export function eventMessageId(syncts: number, mid: string): string {
  return `${syncts}:${Buffer.from(mid, 'utf8').toString('base64url')}`;
}
