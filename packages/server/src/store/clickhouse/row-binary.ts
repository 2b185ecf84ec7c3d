/**
 * Rows in ClickHouse's RowBinary format, for inserts. Not JSONEachRow: 18.16 parses text floats with a fast reader
 * that is off by one unit in the last place for many values (9.681 is stored as 9.681000000000001), so a duration
 * would differ from DuckDB's; binary doubles are stored exactly, on every version. Types are those the server
 * reports for the table's columns (system.columns), so the encoder follows the schema, never a copy of it.
 */

/** The types the store's tables use (migrations.ts); a column of another type is refused when encoding. */
type Encoder = (value: unknown, out: Chunks) => void;

/** A growing list of buffers, joined once per insert. */
export class Chunks {
  readonly parts: Buffer[] = [];
  bytes = 0;
  push(part: Buffer): void {
    this.parts.push(part);
    this.bytes += part.length;
  }
  join(): Buffer {
    return Buffer.concat(this.parts, this.bytes);
  }
}

/** LEB128, as RowBinary writes lengths. */
function varint(n: number, out: Chunks): void {
  const bytes: number[] = [];
  let rest = n;
  do {
    let byte = rest & 0x7f;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    bytes.push(byte);
  } while (rest > 0);
  out.push(Buffer.from(bytes));
}

function fixed(size: number, write: (buffer: Buffer, value: number) => void): Encoder {
  return (value, out) => {
    const buffer = Buffer.alloc(size);
    write(buffer, Number(value));
    out.push(buffer);
  };
}

const ENCODERS: Record<string, Encoder> = {
  String: (value, out) => {
    const bytes = Buffer.from(String(value), 'utf8');
    varint(bytes.length, out);
    out.push(bytes);
  },
  Int64: (value, out) => {
    const buffer = Buffer.alloc(8);
    buffer.writeBigInt64LE(BigInt(Math.trunc(Number(value))));
    out.push(buffer);
  },
  UInt8: fixed(1, (b, v) => b.writeUInt8(v)),
  Int32: fixed(4, (b, v) => b.writeInt32LE(v)),
  UInt32: fixed(4, (b, v) => b.writeUInt32LE(v)),
  Float64: fixed(8, (b, v) => b.writeDoubleLE(v)),
  // Seconds since the epoch (UInt32), whatever the column's time zone.
  DateTime: fixed(4, (b, v) => b.writeUInt32LE(Math.min(Math.max(Math.trunc(v), 0), 0xffffffff))),
};

/**
 * The encoder of a ClickHouse type name: the plain types above, `DateTime('zone')`, `Nullable(T)` and `Array(T)`.
 * @throws Error for any other type (a schema change this encoder does not follow yet)
 */
export function encoderOf(type: string): Encoder {
  const nullable = /^Nullable\((.*)\)$/.exec(type);
  if (nullable) {
    const inner = encoderOf(nullable[1]);
    return (value, out) => {
      if (value === null || value === undefined) return out.push(Buffer.from([1]));
      out.push(Buffer.from([0]));
      inner(value, out);
    };
  }
  const array = /^Array\((.*)\)$/.exec(type);
  if (array) {
    const inner = encoderOf(array[1]);
    return (value, out) => {
      const items = (value ?? []) as unknown[];
      varint(items.length, out);
      for (const item of items) inner(item, out);
    };
  }
  const plain = ENCODERS[type.replace(/^DateTime\('.*'\)$/, 'DateTime')];
  if (!plain) throw new Error(`no RowBinary encoder for the ClickHouse type ${type}`);
  return plain;
}

/** Encodes rows of a table with columns `columns` (name, type), in that order, into `out`. */
export function rowBinaryEncoder(columns: { name: string; type: string }[]) {
  const encoders = columns.map(({ name, type }) => ({
    name,
    encode: encoderOf(type),
    // Nullable and Array columns read a missing value as NULL or []; the others need one.
    required: !/^(Nullable|Array)\(/.test(type),
  }));
  return (row: Record<string, unknown>, out: Chunks) => {
    for (const { name, encode, required } of encoders) {
      if (required && (row[name] === undefined || row[name] === null))
        throw new Error(`the row has no value for the column ${name}`);
      encode(row[name], out);
    }
  };
}
