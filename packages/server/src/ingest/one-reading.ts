/**
 * One reading of an event's bytes: finds what V8's JSON.parse (the collector's reading) and
 * DuckDB's JSON reader (the store's reading of `raw`) would read differently, or what the store
 * could not load at all. Runs on one event's raw text, which JSON.parse has already accepted as
 * part of the body, so it assumes well-formed JSON and walks it once, iteratively (no recursion,
 * whatever the depth). The rules, their reason codes and why: docs/ingestion.md.
 */

/** Why an event's bytes have no single reading; each is a rejection reason of its own. */
export type ReadingProblem = 'too_deep' | 'duplicate_key' | 'invalid_unicode' | 'nul_character' | 'invalid_number';

export interface ReadingVerdict {
  reason: ReadingProblem;
  error: string;
}

/** JSON's structural characters as char codes (also for ingest/event-spans.ts). */
export const QUOTE = 34; // "
export const BACKSLASH = 92;
export const OPEN_OBJECT = 123; // {
export const CLOSE_OBJECT = 125;
export const OPEN_ARRAY = 91; // [
export const CLOSE_ARRAY = 93;
const COLON = 58;
const MINUS = 45;
const ZERO = 48;
const NINE = 57;
const U = 117;

/** The length of a literal by its first character. */
const LITERAL_LENGTH: Record<number, number> = { 116: 4, 102: 5, 110: 4 }; // true, false, null

/**
 * Scratch space of checkReading, reused by every call (it is synchronous): for each open container,
 * where its keys start in keyStart/keyEnd (-1 for an array) and, once it has many keys or an escaped
 * one, a Set of them. Offsets, not strings: the usual key is never copied.
 */
const firstKey: number[] = [];
const keySets: Array<Set<string> | undefined> = [];
const keyStart: number[] = [];
const keyEnd: number[] = [];

/** Up to this many keys, an object's keys are compared in place; past it (or with an escaped key) through a Set. */
const LINEAR_KEYS = 16;

function isNumberChar(c: number): boolean {
  // digits, '+', '-', '.', 'e', 'E'
  return (c >= ZERO && c <= NINE) || c === 43 || c === MINUS || c === 46 || c === 101 || c === 69;
}

function isWhitespace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

function hex4(text: string, at: number): number {
  return Number.parseInt(text.slice(at, at + 4), 16);
}

/**
 * A number literal both readers take for the same value, or why not. V8 reads every number as a
 * double; DuckDB keeps an integer literal exact as a 64-bit integer (or as text beyond that) and
 * reads other literals as doubles, so an integer literal a double cannot hold exactly
 * (9007199254740993) reads as two values, and a literal beyond a double (1e400) is Infinity to
 * V8 and text to DuckDB.
 */
function numberProblem(literal: string): string | undefined {
  const value = Number(literal);
  if (!Number.isFinite(value)) return `the number ${shorten(literal)} is beyond a double`;
  if (/^-?\d+$/.test(literal) && !Number.isSafeInteger(value) && BigInt(literal) !== BigInt(value)) {
    return `the integer ${shorten(literal)} has no exact double (it would read as ${value})`;
  }
  return undefined;
}

function shorten(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/**
 * Checks one event's raw JSON text. Returns the first problem found, or undefined when every
 * reader sees the same event:
 * - `too_deep`: objects and arrays nested more than `maxDepth` levels (the event itself is level 1);
 * - `duplicate_key`: a key twice in one object, compared after unescaping (V8 keeps the last, DuckDB the first);
 * - `invalid_unicode`: a `\uD800`–`\uDFFF` escape that is not half of a surrogate pair, in a string or a key
 *   (DuckDB refuses the whole row);
 * - `nul_character`: a `\u0000` escape, in a string or a key;
 * - `invalid_number`: a number beyond a double, or an integer a double cannot hold exactly.
 * Unescaped lone surrogates stand for bytes that were not UTF-8 (decode.ts): `unreadableBytes` finds them.
 */
export function checkReading(raw: string, maxDepth: number): ReadingVerdict | undefined {
  const read = readValue(raw, raw.length - raw.trimStart().length, maxDepth);
  return typeof read === 'number' ? undefined : read;
}

const LONE_SURROGATE = /\p{Cs}/u;

/**
 * `invalid_unicode` for an event's text holding bytes that were not UTF-8: decode.ts `utf8Text` made each a lone
 * surrogate, U+DC00 + the byte, which valid UTF-8 never gives (checkReading sees only escapes). About 0.02 µs an event.
 */
export function unreadableBytes(raw: string): ReadingVerdict | undefined {
  const at = raw.search(LONE_SURROGATE);
  if (at < 0) return undefined;
  const code = raw.charCodeAt(at);
  // decode.ts marks a byte as U+DC80–U+DCFF; any other lone surrogate came in some other way (an lz-string body).
  const what =
    code >= 0xdc80 && code <= 0xdcff
      ? `not UTF-8: the byte 0x${(code - 0xdc00).toString(16).toUpperCase()}`
      : `a lone surrogate U+${code.toString(16).toUpperCase()}`;
  return { reason: 'invalid_unicode', error: `${what} at character ${at} of the event` };
}

/**
 * Reads the JSON value that starts at `raw[origin]` (not whitespace) as checkReading does: the
 * index just past its end when it has one reading, else the first problem. The collector runs it
 * on each event in place, while finding the events in the body (ingest/event-spans.ts).
 */
export function readValue(raw: string, origin: number, maxDepth: number): number | ReadingVerdict {
  const scalar = LITERAL_LENGTH[raw.charCodeAt(origin)];
  if (scalar !== undefined) return origin + scalar; // true, false, null
  let depth = 0; // open containers
  let keys = 0; // entries of keyStart/keyEnd in use
  let nextBackslash = raw.indexOf('\\', origin);
  const length = raw.length;
  let i = origin;
  while (i < length) {
    const c = raw.charCodeAt(i);
    if (c === QUOTE) {
      const start = i + 1;
      let escaped = false;
      let end: number;
      if (nextBackslash !== -1 && nextBackslash < start) nextBackslash = raw.indexOf('\\', start);
      const quote = raw.indexOf('"', start);
      if (nextBackslash === -1 || nextBackslash > quote) {
        end = quote;
      } else {
        escaped = true;
        const problem = checkEscapes(raw, start, origin);
        if (typeof problem !== 'number') return problem;
        end = problem;
        nextBackslash = raw.indexOf('\\', end);
      }
      i = end + 1;
      if (depth === 0) return i;
      const first = firstKey[depth - 1];
      if (first >= 0) {
        let k = i;
        while (isWhitespace(raw.charCodeAt(k))) k++;
        if (raw.charCodeAt(k) === COLON) {
          i = k + 1;
          let set = keySets[depth - 1];
          if (set === undefined && (escaped || keys - first >= LINEAR_KEYS)) {
            set = new Set();
            for (let n = first; n < keys; n++) set.add(raw.slice(keyStart[n], keyEnd[n]));
            keySets[depth - 1] = set;
          }
          if (set !== undefined) {
            const key = escaped ? (JSON.parse(raw.slice(start - 1, end + 1)) as string) : raw.slice(start, end);
            if (set.has(key)) return duplicateKey(key);
            set.add(key);
            continue;
          }
          for (let n = first; n < keys; n++) {
            if (sameText(raw, keyStart[n], keyEnd[n], start, end)) return duplicateKey(raw.slice(start, end));
          }
          keyStart[keys] = start;
          keyEnd[keys] = end;
          keys++;
        }
      }
      continue;
    }
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (depth === maxDepth) {
        return { reason: 'too_deep', error: `objects and arrays are nested more than ${maxDepth} levels deep` };
      }
      firstKey[depth] = c === OPEN_OBJECT ? keys : -1;
      keySets[depth] = undefined;
      depth++;
      i++;
      continue;
    }
    if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
      if (firstKey[depth] >= 0) keys = firstKey[depth];
      keySets[depth] = undefined;
      i++;
      if (depth === 0) return i;
      continue;
    }
    if (c === MINUS || (c >= ZERO && c <= NINE)) {
      let j = i + 1;
      let exponent = false;
      for (;;) {
        const d = raw.charCodeAt(j);
        if (d === 101 || d === 69) exponent = true;
        else if (!isNumberChar(d)) break;
        j++;
      }
      // At most 15 characters without an exponent: an integer below 2^53 or a finite double, the usual case.
      if (exponent || j - i > 15) {
        const problem = numberProblem(raw.slice(i, j));
        if (problem) return { reason: 'invalid_number', error: problem };
      }
      i = j;
      if (depth === 0) return i;
      continue;
    }
    i++; // whitespace, commas, true/false/null inside a container
  }
  return i;
}

/**
 * Walks a string with escapes from `start` (just past its opening quote): the index of its closing
 * quote, or the problem with one of its \\u escapes.
 */
function checkEscapes(raw: string, start: number, origin: number): number | ReadingVerdict {
  let j = start;
  for (;;) {
    const d = raw.charCodeAt(j);
    if (d === QUOTE) return j;
    if (d !== BACKSLASH) {
      j++;
      continue;
    }
    if (raw.charCodeAt(j + 1) !== U) {
      j += 2;
      continue;
    }
    const unit = hex4(raw, j + 2);
    if (unit === 0)
      return { reason: 'nul_character', error: `a string or key holds \\u0000 at character ${j - origin}` };
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const low = raw.charCodeAt(j + 6) === BACKSLASH && raw.charCodeAt(j + 7) === U ? hex4(raw, j + 8) : -1;
      if (low < 0xdc00 || low > 0xdfff) return loneSurrogate(raw, j, origin);
      j += 12;
      continue;
    }
    if (unit >= 0xdc00 && unit <= 0xdfff) return loneSurrogate(raw, j, origin);
    j += 6;
  }
}

function sameText(raw: string, aStart: number, aEnd: number, bStart: number, bEnd: number): boolean {
  if (aEnd - aStart !== bEnd - bStart) return false;
  for (let k = 0; k < aEnd - aStart; k++) if (raw.charCodeAt(aStart + k) !== raw.charCodeAt(bStart + k)) return false;
  return true;
}

function duplicateKey(key: string): ReadingVerdict {
  return { reason: 'duplicate_key', error: `the key ${JSON.stringify(shorten(key))} appears twice in one object` };
}

function loneSurrogate(raw: string, at: number, origin: number): ReadingVerdict {
  return {
    reason: 'invalid_unicode',
    error: `${raw.slice(at, at + 6)} at character ${at - origin} is half of a UTF-16 surrogate pair (an emoji cut in two?)`,
  };
}
