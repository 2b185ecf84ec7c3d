/**
 * Rows in ClickHouse's RowBinary format, for inserts. Not JSONEachRow: 18.16 parses text floats with a fast reader
 * that is off by one unit in the last place for many values (9.681 is stored as 9.681000000000001), so a duration
 * would differ from DuckDB's; binary doubles are stored exactly, on every version. Types are those the server
 * reports for the table's columns (system.columns), so the encoder follows the schema, never a copy of it.
 */

/** The types the store's tables use (migrations.ts); a column of another type is refused when encoding. */
type Encoder = (value: unknown, out: Chunks) => void;

/**
 * The bytes of one insert, written into one growing buffer: a Buffer per value made the garbage collector a third of a
 * load's time (200,000 simulated events: 13 of 42 s).
 */
export class Chunks {
  private buffer = Buffer.allocUnsafe(1 << 16);
  bytes = 0;

  /** Room for `n` more bytes; gives the offset to write them at (and counts them written). */
  reserve(n: number): number {
    if (this.bytes + n > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.bytes + n));
      this.buffer.copy(grown, 0, 0, this.bytes);
      this.buffer = grown;
    }
    const at = this.bytes;
    this.bytes += n;
    return at;
  }

  get target(): Buffer {
    return this.buffer;
  }

  byte(value: number): void {
    const at = this.reserve(1);
    this.buffer[at] = value;
  }

  /** A string as RowBinary writes it: its UTF-8 length (LEB128), then its bytes. */
  string(value: string): void {
    const length = Buffer.byteLength(value, 'utf8');
    varint(length, this);
    const at = this.reserve(length);
    this.buffer.write(value, at, length, 'utf8');
  }

  join(): Buffer {
    return this.buffer.subarray(0, this.bytes);
  }
}

/** LEB128, as RowBinary writes lengths. */
function varint(n: number, out: Chunks): void {
  let rest = n;
  do {
    let byte = rest & 0x7f;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    out.byte(byte);
  } while (rest > 0);
}

function fixed(size: number, write: (buffer: Buffer, value: number, offset: number) => void): Encoder {
  return (value, out) => {
    const at = out.reserve(size);
    write(out.target, Number(value), at);
  };
}

const ENCODERS: Record<string, Encoder> = {
  String: (value, out) => out.string(String(value)),
  Int64: (value, out) => {
    const at = out.reserve(8);
    out.target.writeBigInt64LE(BigInt(Math.trunc(Number(value))), at);
  },
  UInt8: fixed(1, (b, v, at) => b.writeUInt8(v, at)),
  UInt16: fixed(2, (b, v, at) => b.writeUInt16LE(v, at)),
  Int32: fixed(4, (b, v, at) => b.writeInt32LE(v, at)),
  UInt32: fixed(4, (b, v, at) => b.writeUInt32LE(v, at)),
  Float64: fixed(8, (b, v, at) => b.writeDoubleLE(v, at)),
  // Seconds since the epoch (UInt32), whatever the column's time zone.
  DateTime: fixed(4, (b, v, at) => b.writeUInt32LE(Math.min(Math.max(Math.trunc(v), 0), 0xffffffff), at)),
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
      if (value === null || value === undefined) return out.byte(1);
      out.byte(0);
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
