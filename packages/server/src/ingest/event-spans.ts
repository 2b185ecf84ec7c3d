/**
 * Finds where each element of a batch's top-level `events` array starts and ends in the body
 * text, so every event is stored byte for byte as received, and reads each event once on the way
 * for what the store would read differently (ingest/one-reading.ts). Runs only on text JSON.parse
 * has already accepted, so it can assume well-formed JSON and stay a tight loop.
 */
import {
  BACKSLASH,
  CLOSE_ARRAY,
  CLOSE_OBJECT,
  OPEN_ARRAY,
  OPEN_OBJECT,
  QUOTE,
  type ReadingVerdict,
  readValue,
} from './one-reading.js';

/** `[start, end)` of one event in the body, and why it has no single reading, if so. */
export type EventSpan = [start: number, end: number, problem?: ReadingVerdict];

const COMMA = 44;

function skipWhitespace(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 10 && c !== 13 && c !== 9) return i;
    i++;
  }
}

/** `i` is at an opening quote; returns the index just past the closing quote. */
function skipString(text: string, i: number): number {
  let j = i + 1;
  for (;;) {
    j = text.indexOf('"', j);
    let backslashes = 0;
    for (let k = j - 1; text.charCodeAt(k) === BACKSLASH; k--) backslashes++;
    if (backslashes % 2 === 0) return j + 1;
    j++;
  }
}

/** `i` is at the first character of a value; returns the index just past it. */
function skipValue(text: string, i: number): number {
  const first = text.charCodeAt(i);
  if (first === QUOTE) return skipString(text, i);
  if (first !== OPEN_OBJECT && first !== OPEN_ARRAY) {
    let j = i;
    for (;;) {
      const c = text.charCodeAt(j);
      if (
        c === COMMA ||
        c === CLOSE_OBJECT ||
        c === CLOSE_ARRAY ||
        c === 32 ||
        c === 10 ||
        c === 13 ||
        c === 9 ||
        Number.isNaN(c)
      ) {
        return j;
      }
      j++;
    }
  }
  let depth = 0;
  let j = i;
  for (;;) {
    const c = text.charCodeAt(j);
    if (c === QUOTE) {
      j = skipString(text, j);
      continue;
    }
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) depth++;
    else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
      if (depth === 0) return j + 1;
    }
    j++;
  }
}

/** `i` is at an array's `[`: pushes the span of each element (read once) and returns the index past its `]`. */
function readElements(text: string, i: number, maxDepth: number, spans: EventSpan[]): number {
  i = skipWhitespace(text, i + 1);
  while (text.charCodeAt(i) !== CLOSE_ARRAY) {
    const start = i;
    const read = readValue(text, i, maxDepth);
    if (typeof read === 'number') {
      i = read;
      spans.push([start, i]);
    } else {
      i = skipValue(text, i);
      spans.push([start, i, read]);
    }
    i = skipWhitespace(text, i);
    if (text.charCodeAt(i) === COMMA) i = skipWhitespace(text, i + 1);
  }
  return i + 1;
}

/** The spans of the elements of a body that is a JSON array (PostHog's posthog-js batches), else undefined. */
export function findArraySpans(text: string, maxDepth = Number.POSITIVE_INFINITY): EventSpan[] | undefined {
  const i = skipWhitespace(text, 0);
  if (text.charCodeAt(i) !== OPEN_ARRAY) return undefined;
  const spans: EventSpan[] = [];
  readElements(text, i, maxDepth, spans);
  return spans;
}

/**
 * `[start, end, problem?)` of each element of the top-level `events` array (the last `events` key
 * wins, as in JSON.parse), or undefined when the body is not an object with an `events` array.
 * `maxDepth` bounds the nesting of each event (the event itself is level 1). `arrayKey` names
 * another array (PostHog's `batch`).
 */
export function findEventSpans(
  text: string,
  maxDepth = Number.POSITIVE_INFINITY,
  arrayKey = 'events',
): EventSpan[] | undefined {
  let i = skipWhitespace(text, 0);
  if (text.charCodeAt(i) !== OPEN_OBJECT) return undefined;
  i = skipWhitespace(text, i + 1);
  let spans: EventSpan[] | undefined;
  while (text.charCodeAt(i) !== CLOSE_OBJECT) {
    const keyStart = i;
    i = skipString(text, i);
    const rawKey = text.slice(keyStart + 1, i - 1);
    const key = rawKey.includes('\\') ? (JSON.parse(text.slice(keyStart, i)) as string) : rawKey;
    i = skipWhitespace(text, i) + 1; // the colon
    i = skipWhitespace(text, i);
    if (key === arrayKey) {
      if (text.charCodeAt(i) === OPEN_ARRAY) {
        spans = [];
        i = readElements(text, i, maxDepth, spans);
      } else {
        spans = undefined;
        i = skipValue(text, i);
      }
    } else {
      i = skipValue(text, i);
    }
    i = skipWhitespace(text, i);
    if (text.charCodeAt(i) === COMMA) i = skipWhitespace(text, i + 1);
  }
  return spans;
}
