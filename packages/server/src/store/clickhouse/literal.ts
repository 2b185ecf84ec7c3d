/**
 * The one place a value becomes ClickHouse SQL text. ClickHouse 18.16 (Debian's package, the test server) has no
 * server-side query parameters (`param_x` is an unknown setting there), so values are inlined as literals, and only
 * through `literal` (../shared/DESIGN.md, "Bound values"); its escaping is property-tested against the real server
 * (test/clickhouse-literal.test.ts). A current ClickHouse binds `{name:Type}` server-side instead.
 */
import { StoreError } from '../store.js';

/** A value `literal` can write. Bytes (a Uint8Array) are a String of exactly those bytes, UTF-8 or not. */
export type LiteralValue = string | number | bigint | boolean | null | undefined | Uint8Array | readonly LiteralValue[];

/** The smallest normal double: below it (but 0), doubles are subnormal. */
const MIN_NORMAL = 2.2250738585072014e-308;

/** Every byte but printable ASCII other than `'` and `\`: written as \xHH, so the query text is plain ASCII. */
function escapeBytes(bytes: Uint8Array): string {
  let out = "'";
  for (const byte of bytes) {
    if (byte >= 0x20 && byte < 0x7f && byte !== 0x27 && byte !== 0x5c) out += String.fromCharCode(byte);
    else out += `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return `${out}'`;
}

/**
 * `value` as a ClickHouse literal: a string as its UTF-8 bytes in quotes (every byte outside printable ASCII, and
 * every quote and backslash, as a \xHH escape: nothing a value holds can end the literal); a finite number as JS
 * writes it (a subnormal one as its bytes), NaN and ±Infinity as nan and ±inf; a bigint as its digits; a boolean as 1 or 0; null and undefined as
 * NULL; an array as [a, b, …]. A lone surrogate (no UTF-8 form: a JSON body may hold "\ud800") is written as U+FFFD,
 * as the DuckDB store's driver binds it (each one, by V8's UTF-8 encoding, which `Buffer.from` shares), so a value
 * compares alike on both stores; test/clickhouse-literal.test.ts checks the bytes against DuckDB's.
 * @throws StoreError STORE_QUERY_FAILED for a value of another type
 */
export function literal(value: LiteralValue): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'string') {
    return escapeBytes(Buffer.from(value, 'utf8'));
  }
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'nan';
    if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
    // 18.16's parser refuses a subnormal number's text (5e-324 is a syntax error) and reads 1e-320 inexactly: its
    // eight bytes are written instead, exact on every version.
    if (value !== 0 && Math.abs(value) < MIN_NORMAL) {
      const bytes = Buffer.alloc(8);
      bytes.writeDoubleLE(value);
      return `reinterpretAsFloat64(${escapeBytes(bytes)})`;
    }
    // Parenthesised when negative: after another minus, `-1` would read as a comment start (`--1`).
    return value < 0 ? `(${value})` : String(value);
  }
  if (typeof value === 'bigint') return value < 0n ? `(${value})` : String(value);
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (value instanceof Uint8Array) return escapeBytes(value);
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
  throw new StoreError('STORE_QUERY_FAILED', `no ClickHouse literal for a value of type ${typeof value}`);
}

/** A ClickHouse type as written in a placeholder `{name:Type}`: letters, digits, `_`, parentheses, commas, spaces, quotes. */
const TYPE = /^[A-Za-z][A-Za-z0-9_]*(\([A-Za-z0-9_(), ']*\))?$/;

/**
 * `sql` with each placeholder `{name:Type}` replaced by `CAST(<literal of params[name]> AS Type)`: the SQL of a current
 * ClickHouse's bound parameters, run on a server without them. `{name:UInt64}` (a row count, as after LIMIT, where
 * 18.16 takes only a number) becomes the bare integer, and must be a non-negative safe integer. Internal SQL only (the Store port's `query`); a
 * placeholder inside a string literal of `sql` is replaced too, so trusted SQL never writes one there.
 * @throws StoreError STORE_QUERY_FAILED when a placeholder names no parameter, its type is not a plain type name, or a
 *   UInt64 value is not a non-negative integer
 */
export function inlineParams(sql: string, params: Record<string, unknown> = {}): string {
  return sql.replace(/\{([A-Za-z_][A-Za-z0-9_]*):([^{}]+)\}/g, (_, name: string, type: string) => {
    if (!Object.hasOwn(params, name))
      throw new StoreError('STORE_QUERY_FAILED', `the query names the parameter {${name}} but none was given`);
    const typeName = type.trim();
    if (!TYPE.test(typeName))
      throw new StoreError('STORE_QUERY_FAILED', `the parameter {${name}} has a type that is not a plain type name`);
    const value = params[name];
    if (typeName !== 'UInt64') return `CAST(${literal(value as LiteralValue)} AS ${typeName})`;
    // A row count (LIMIT): 18.16 takes only a number there, so a non-negative integer is written bare.
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
      throw new StoreError('STORE_QUERY_FAILED', `the parameter {${name}:UInt64} is not a non-negative integer`);
    return literal(value);
  });
}
