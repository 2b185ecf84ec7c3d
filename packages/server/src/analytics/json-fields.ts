/**
 * Fields of a JSON text read in JavaScript exactly as DuckDB reads them in SQL with
 * `CASE WHEN json_valid(text) THEN json_extract_string(text, '$.a.b') END`, for an engine that cannot (ClickHouse 18.16
 * has no JSONExtract, and its visitParam* find a key by its last name anywhere in the text). The data-quality summary
 * reads rejected events this way (failed-summary.ts), whose JSON is the malformed kind, so DuckDB's reader (yyjson)
 * is followed in its details, each checked against DuckDB (json-fields.test.ts):
 * - valid: RFC 8259, plus a trailing comma before `]` or `}` and the literals NaN, Inf, Infinity (any case, with an
 *   optional `-`); not: comments, a byte-order mark, a lone surrogate escape, a raw control character in a string.
 * - a key that appears twice: the first one is read.
 * - a value read as text: a string as itself, true/false as their names, null as NULL, an integer as written (-0 as
 *   0), a real as the shortest text that reads back as the same double, with `.0` when it has no point or exponent
 *   and no `+` in the exponent (1E5 is 100000.0, 1e300 is 1e300), a literal out of a double's range as written; an
 *   object or array as compact JSON of those values, its strings escaped as yyjson does (`\u001F`, `/` unescaped).
 */

/** One lexical token of the text: where it ends, and for a string its decoded value. */
interface Token {
  kind: '{' | '}' | '[' | ']' | ':' | ',' | 'string' | 'number' | 'literal';
  start: number;
  end: number;
  value?: string;
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
// Longest first: `infinity` before `inf`.
const NON_FINITE = /-?(?:nan|infinity|inf)/iy;
const LITERAL = /true|false|null/y;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
const HEX4 = /^[0-9a-fA-F]{4}$/;

function skipWhitespace(text: string, i: number): number {
  while (i < text.length && WHITESPACE.has(text[i])) i++;
  return i;
}

/** The string token starting at the quote at `start`, decoded; null when it is not a valid JSON string. */
function stringToken(text: string, start: number): Token | null {
  let value = '';
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') return { kind: 'string', start, end: i + 1, value };
    if (c.charCodeAt(0) < 0x20) return null;
    if (c !== '\\') {
      value += c;
      i++;
      continue;
    }
    const e = text[i + 1];
    if (e !== 'u') {
      if (ESCAPES[e] === undefined) return null;
      value += ESCAPES[e];
      i += 2;
      continue;
    }
    const hex = text.slice(i + 2, i + 6);
    if (!HEX4.test(hex)) return null;
    const code = Number.parseInt(hex, 16);
    i += 6;
    if (code >= 0xdc00 && code <= 0xdfff) return null;
    if (code >= 0xd800 && code <= 0xdbff) {
      // A high surrogate must be followed by an escaped low one (DuckDB refuses a lone surrogate).
      const low = text.slice(i + 2, i + 6);
      if (text[i] !== '\\' || text[i + 1] !== 'u' || !HEX4.test(low)) return null;
      const lowCode = Number.parseInt(low, 16);
      if (lowCode < 0xdc00 || lowCode > 0xdfff) return null;
      value += String.fromCharCode(code, lowCode);
      i += 6;
      continue;
    }
    value += String.fromCharCode(code);
  }
  return null;
}

/** The token at `i` (after whitespace), or null when the text has none there that JSON allows. */
function tokenAt(text: string, i: number): Token | null {
  const c = text[i];
  if (c === undefined) return null;
  if ('{}[]:,'.includes(c)) return { kind: c as Token['kind'], start: i, end: i + 1 };
  if (c === '"') return stringToken(text, i);
  for (const [pattern, kind] of [
    [NUMBER, 'number'],
    [NON_FINITE, 'number'],
    [LITERAL, 'literal'],
  ] as const) {
    pattern.lastIndex = i;
    if (pattern.test(text)) return { kind, start: i, end: pattern.lastIndex };
  }
  return null;
}

/** A number token's text as DuckDB's json_extract_string gives it (see the file's comment). */
export function numberText(literal: string): string {
  if (/^-?\d+$/.test(literal)) return literal === '-0' ? '0' : literal;
  const x = Number(literal);
  if (!Number.isFinite(x)) return literal;
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const text = String(x).replace('e+', 'e');
  return /[.e]/.test(text) ? text : `${text}.0`;
}

/** A string as yyjson writes it inside JSON: `"` and `\` escaped, control characters as \n … or \u00XX (upper case). */
function jsonString(value: string): string {
  let out = '"';
  for (const c of value) {
    const code = c.charCodeAt(0);
    if (c === '"' || c === '\\') out += `\\${c}`;
    else if (code >= 0x20) out += c;
    else if (c === '\b') out += '\\b';
    else if (c === '\f') out += '\\f';
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else out += `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return `${out}"`;
}

/** The value spanning `[start, end)` of a valid text, as json_extract_string gives it. */
function valueText(text: string, start: number, end: number): string | null {
  const first = tokenAt(text, start) as Token;
  if (first.kind === 'string') return first.value as string;
  if (first.kind === 'number') return numberText(text.slice(first.start, first.end));
  if (first.kind === 'literal') return text.slice(start, first.end) === 'null' ? null : text.slice(start, first.end);
  // An object or array: compact JSON, without trailing commas.
  let out = '';
  let i = start;
  while (i < end) {
    const token = tokenAt(text, i) as Token;
    i = skipWhitespace(text, token.end);
    if (token.kind === 'string') out += jsonString(token.value as string);
    else if (token.kind === 'number') out += numberText(text.slice(token.start, token.end));
    else if (token.kind === 'literal') out += text.slice(token.start, token.end);
    else if (token.kind !== ',' || (text[i] !== ']' && text[i] !== '}')) out += token.kind;
  }
  return out;
}

/** An open object or array while reading; `path` is set while it is on the way to a wanted field. */
interface Frame {
  array: boolean;
  path: string[] | null;
  /** The keys seen so far in an object on a wanted path (a repeated key is not read). */
  seen: Set<string>;
  /** Wanted fields this container's value is, with where it starts. */
  wanted: { field: number; start: number }[];
}

/**
 * The text at each of `paths` (each a list of object keys, e.g. ['context', 'pdata', 'id']) of the JSON `text`,
 * as DuckDB's `CASE WHEN json_valid(text) THEN json_extract_string(text, '$.' || path) END` gives it: null for each
 * when the text is not valid JSON, and for a path that is absent, leads through a value that is not an object, or
 * ends at JSON null. Reads the text once, without recursion (a deeply nested text is read like any other).
 */
export function readJsonFields(text: string, paths: readonly (readonly string[])[]): (string | null)[] {
  const answer: (string | null)[] = paths.map(() => null);
  const spans: ({ start: number; end: number } | undefined)[] = paths.map(() => undefined);
  const startsWith = (wanted: readonly string[], path: string[]) => path.every((key, n) => wanted[n] === key);
  const leadsToWanted = (path: string[]) =>
    paths.some((wanted) => wanted.length > path.length && startsWith(wanted, path));
  const wantedFields = (path: string[] | null) =>
    path === null
      ? []
      : paths.flatMap((wanted, n) =>
          wanted.length === path.length && path.length > 0 && startsWith(wanted, path) ? [n] : [],
        );
  const stack: Frame[] = [];
  // The path of the value about to be read: null when it is on no wanted path.
  let pending: string[] | null = [];
  // What may come next: a value, a value or `]` (after `[` or a comma in an array), a key or `}`, a comma or a close.
  let expect: 'value' | 'value-or-close' | 'key-or-close' | 'after-value' = 'value';
  let i = skipWhitespace(text, 0);
  while (true) {
    const token = tokenAt(text, i);
    if (!token) return answer;
    const top = stack[stack.length - 1];
    const closes = token.kind === ']' || token.kind === '}';
    if (closes) {
      const allowed =
        (expect === 'after-value' || expect === (token.kind === ']' ? 'value-or-close' : 'key-or-close')) &&
        top !== undefined &&
        top.array === (token.kind === ']');
      if (!allowed) return answer;
      stack.pop();
      for (const { field, start } of top.wanted) spans[field] = { start, end: token.end };
      expect = 'after-value';
    } else if (expect === 'after-value') {
      if (token.kind !== ',' || top === undefined) return answer;
      expect = top.array ? 'value-or-close' : 'key-or-close';
      pending = null;
    } else if (expect === 'key-or-close') {
      if (token.kind !== 'string') return answer;
      const key = token.value as string;
      pending = null;
      if (top.path !== null && !top.seen.has(key)) {
        top.seen.add(key);
        pending = [...top.path, key];
      }
      const colon = tokenAt(text, skipWhitespace(text, token.end));
      if (colon?.kind !== ':') return answer;
      i = skipWhitespace(text, colon.end);
      expect = 'value';
      continue;
    } else {
      // A value.
      const fields = wantedFields(pending);
      if (token.kind === '{' || token.kind === '[') {
        const path = pending !== null && token.kind === '{' && leadsToWanted(pending) ? pending : null;
        stack.push({
          array: token.kind === '[',
          path,
          seen: new Set(),
          wanted: fields.map((field) => ({ field, start: token.start })),
        });
        expect = token.kind === '[' ? 'value-or-close' : 'key-or-close';
        pending = null;
      } else if (token.kind === 'string' || token.kind === 'number' || token.kind === 'literal') {
        for (const field of fields) spans[field] = { start: token.start, end: token.end };
        expect = 'after-value';
      } else {
        return answer;
      }
    }
    i = skipWhitespace(text, token.end);
    if (stack.length === 0 && expect === 'after-value') break;
  }
  if (i !== text.length) return answer;
  return spans.map((span) => (span ? valueText(text, span.start, span.end) : null));
}
