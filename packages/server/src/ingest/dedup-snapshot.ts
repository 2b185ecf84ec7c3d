/**
 * The `mid` index across restarts: a clean stop saves the index's hashes with a mark of the store it describes; the
 * next start reads them back and scans only the events loaded after the mark, instead of every `mid` stored (47.7 s
 * at 10 million events on a busy 2-core machine; docs/benchmarks.md). Starting from a snapshot answers as a full scan
 * would: a snapshot that does not describe the store (events deleted or rewritten, another store file, a store that
 * was empty when it was saved) or that is damaged is deleted, never used, and the start scans everything; the `mid`s
 * the store refused to load (failed_events, `load_error`) and does not hold are forgotten, as a scan never sees them.
 *
 * File (little-endian): "TLMIDX02"; float64s `seq`, `events`; the hash of the mid at `seq` (two uint32s); float64
 * `pairs`; dedupHash(HASH_PROBE) (two uint32s: a changed hash function makes every old snapshot unusable); the CRC-32
 * of the 48 bytes before it and of the pairs; 4 zero bytes; then `pairs` × [hi, lo] uint32 (DedupIndex.hashChunks()).
 * Written to a temporary file, fsynced, renamed over the last one.
 */
import fs from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { dialectFor, SqlParams } from '../analytics/dialect/index.js';
import { writeAll } from '../spool/write-all.js';
import { type Store, StoreError } from '../store/store.js';
import { DedupIndex, dedupHash } from './dedup-index.js';

/** The snapshot's name in the data directory (TELEMETRY_DATA_DIR), beside `spool/`. */
export const DEDUP_SNAPSHOT_FILE = 'mids.snapshot';
const MAGIC = 'TLMIDX02';
const HASH_PROBE = 'telemetry mid snapshot';
const CHECKED_BYTES = 48;
const HEADER_BYTES = 56;
/** Hash pairs read or written at a time: 512 KB (at 10 million ids the file is 80 MB). */
const CHUNK_PAIRS = 1 << 16;

/**
 * What the store held when a snapshot was saved: `seq`, the largest `arrival_seq` (0: no events); `events`, how many
 * events have an `arrival_seq` up to it; `lastMid`, the hash of the `mid` stored at `seq` ([0, 0] when none).
 */
export interface StoreMark {
  seq: number;
  events: number;
  lastMid: [number, number];
}

/** The store's mark now, or (with `seq`) what the store holds up to an earlier mark's `seq`. */
export async function storeMark(store: Store, seq?: number): Promise<StoreMark> {
  // Bound the way each engine takes them (`$x` on DuckDB, `{x:Type}` on ClickHouse).
  const p = new SqlParams(dialectFor(store.dialect));
  const upTo = seq === undefined ? '' : ` WHERE arrival_seq <= ${p.int(seq)}`;
  const { rows } = await store.query(
    `SELECT coalesce(max(arrival_seq), 0), count(arrival_seq) FROM events${upTo}`,
    p.values,
  );
  const at = Number(rows[0][0]);
  const q = new SqlParams(p.dialect);
  const mids =
    at > 0 ? (await store.query(`SELECT mid FROM events WHERE arrival_seq = ${q.int(at)}`, q.values)).rows : [];
  return {
    seq: at,
    events: Number(rows[0][1]),
    lastMid: mids.length === 1 ? dedupHash(String(mids[0][0])) : [0, 0],
  };
}

/** Streams the mid of every stored event loaded after arrival_seq `afterSeq` (0: every event) to `onMid`. */
export async function scanStoredMids(store: Store, afterSeq: number, onMid: (mid: string) => void): Promise<void> {
  const p = new SqlParams(dialectFor(store.dialect));
  const after = afterSeq > 0 ? ` WHERE arrival_seq > ${p.int(afterSeq)}` : '';
  await store.scanStrings(`SELECT mid FROM events${after}`, onMid, p.values);
}

/**
 * Saves `index` with the store's current mark to `file`, a chunk of hashes at a time. Call it when nothing is being
 * added or rolled back (after the spool has closed): a mid added for a commit that then failed would be remembered as
 * stored.
 * @throws the file system's errors (the temporary file is removed; the last snapshot stays)
 */
export async function saveDedupSnapshot(store: Store, index: DedupIndex, file: string): Promise<void> {
  const mark = await storeMark(store);
  // Saved now it would tell no store from another (loadDedupSnapshot refuses it), and a start on an empty store has
  // nothing to scan: no snapshot, and none left over from before.
  if (mark.seq === 0) return fs.rm(file, { force: true });
  const header = Buffer.alloc(HEADER_BYTES);
  header.write(MAGIC, 0, 'latin1');
  header.writeDoubleLE(mark.seq, 8);
  header.writeDoubleLE(mark.events, 16);
  header.writeUInt32LE(mark.lastMid[0], 24);
  header.writeUInt32LE(mark.lastMid[1], 28);
  header.writeDoubleLE(index.size, 32);
  const probe = dedupHash(HASH_PROBE);
  header.writeUInt32LE(probe[0], 40);
  header.writeUInt32LE(probe[1], 44);
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    const handle = await fs.open(temporary, 'w');
    try {
      // The pairs first, after the header's place: its CRC-32 covers them.
      let crc = crc32(header.subarray(0, CHECKED_BYTES));
      let at = HEADER_BYTES;
      for (const pairs of index.hashChunks(CHUNK_PAIRS)) {
        // Typed arrays are in the platform's byte order; every platform Node runs on here is little-endian.
        const bytes = new Uint8Array(pairs.buffer, pairs.byteOffset, pairs.byteLength);
        crc = crc32(bytes, crc);
        await writeAll(handle, bytes, at, 'snapshot write');
        at += bytes.byteLength;
      }
      if (at !== HEADER_BYTES + index.size * 8) throw new Error('the index changed while it was being saved');
      header.writeUInt32LE(crc, CHECKED_BYTES);
      await writeAll(handle, header, 0, 'snapshot write');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temporary, file);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
}

/**
 * The index saved in `file` and the `arrival_seq` it covers, when the store still holds what it held at the save
 * (as many events up to that `seq`, the same `mid` at it); otherwise no index, with the `reason` a snapshot was not
 * used (none when there is no file), and the file is deleted so that no later start can take it for the store's. The
 * caller then adds the `mid`s of events after `seq` (all of them when there is no index). Read a chunk at a time
 * into an index sized once; the CRC-32 checked at the end. Never throws: an unreadable file, or a store that cannot
 * answer the check, is a reason (the file kept when it cannot be read or the store is unavailable).
 */
export async function loadDedupSnapshot(
  store: Store,
  file: string,
): Promise<{ index?: DedupIndex; seq: number; reason?: string }> {
  let handle: fs.FileHandle | undefined;
  let header: Buffer;
  let size: number;
  try {
    handle = await fs.open(file, 'r');
    size = (await handle.stat()).size;
    // Shorter than a header: parseHeader says it is no snapshot.
    header = (await readAt(handle, Buffer.alloc(HEADER_BYTES), 0)) ?? Buffer.alloc(0);
  } catch (error) {
    await handle?.close();
    const { code, message } = error as NodeJS.ErrnoException;
    return { seq: 0, reason: code === 'ENOENT' ? undefined : message };
  }
  const refuse = async (why: string) => {
    await fs.rm(file, { force: true }).catch(() => {});
    return { seq: 0, reason: `${file} not used (deleted): ${why}` };
  };
  try {
    const parsed = parseHeader(header, size);
    if (typeof parsed === 'string') return await refuse(parsed);
    const { mark, pairs } = parsed;
    if (mark.seq === 0) return await refuse('saved when the store was empty, it tells no store from another');
    const now = await storeMark(store, mark.seq);
    if (now.seq !== mark.seq || now.events !== mark.events || `${now.lastMid}` !== `${mark.lastMid}`) {
      return await refuse('the store changed since it was saved (events deleted, a backup restored, another store)');
    }
    const index = new DedupIndex();
    index.reserve(pairs);
    const chunk = new Uint8Array(CHUNK_PAIRS * 8);
    let crc = crc32(header.subarray(0, CHECKED_BYTES));
    for (let at = HEADER_BYTES; at < size; ) {
      const bytes = await readAt(handle, chunk.subarray(0, Math.min(chunk.byteLength, size - at)), at);
      if (bytes === null) return await refuse('cut short while it was read');
      crc = crc32(bytes, crc);
      index.addHashes(new Uint32Array(bytes.buffer, 0, bytes.byteLength / 4));
      at += bytes.byteLength;
    }
    if (crc !== header.readUInt32LE(CHECKED_BYTES)) return await refuse('damaged (its CRC-32 does not match)');
    const { rows } = await store.query(QUARANTINED_NOT_STORED);
    for (const [mid] of rows) index.delete(String(mid));
    return { index, seq: mark.seq };
  } catch (error) {
    // A store that does not answer now (a ClickHouse server or shard down) says nothing about the snapshot: kept for
    // the next start, which would otherwise read every stored mid.
    if (error instanceof StoreError && error.code === 'STORE_UNAVAILABLE')
      return { seq: 0, reason: `${file} not used (kept): ${error.message}` };
    return refuse((error as Error).message);
  } finally {
    await handle.close();
  }
}

/**
 * The mids the store refused to load and does not hold: a scan of `events` never sees them, so a re-sent copy is
 * stored (or refused again), not answered "duplicate". Usually none; the semi-join builds on them, not on `events`.
 */
const QUARANTINED = "SELECT mid FROM failed_events WHERE reason = 'load_error' AND mid IS NOT NULL";
/** Without a named subquery or EXCEPT, which ClickHouse 18.16 lacks. */
const QUARANTINED_NOT_STORED = `SELECT DISTINCT mid FROM failed_events WHERE reason = 'load_error' AND mid IS NOT NULL
  AND mid NOT IN (SELECT mid FROM events WHERE mid IN (${QUARANTINED}))`;

/** Fills `into` from `position`; null when the file ends first. */
async function readAt<T extends Uint8Array>(handle: fs.FileHandle, into: T, position: number): Promise<T | null> {
  for (let done = 0; done < into.byteLength; ) {
    const { bytesRead } = await handle.read(into, done, into.byteLength - done, position + done);
    if (bytesRead === 0) return null;
    done += bytesRead;
  }
  return into;
}

/**
 * A snapshot's mark and number of hash pairs from its header, given the file's size, or what is wrong with it. The
 * CRC-32 (over the header and the pairs) is checked once the pairs are read.
 */
function parseHeader(header: Buffer, fileBytes: number): { mark: StoreMark; pairs: number } | string {
  if (header.length < HEADER_BYTES || header.toString('latin1', 0, 8) !== MAGIC)
    return 'not a snapshot of this version';
  const count = (offset: number) => {
    const value = header.readDoubleLE(offset);
    return Number.isSafeInteger(value) && value >= 0 ? value : -1;
  };
  const [seq, events, pairs] = [count(8), count(16), count(32)];
  if (seq < 0 || events < 0 || pairs < 0) return 'a count in its header is not a whole number from 0 to 2^53';
  if (fileBytes !== HEADER_BYTES + pairs * 8) return 'not a whole snapshot (cut short, or bytes after it)';
  const probe = dedupHash(HASH_PROBE);
  if (header.readUInt32LE(40) !== probe[0] || header.readUInt32LE(44) !== probe[1]) {
    return 'saved with another hash function';
  }
  return { mark: { seq, events, lastMid: [header.readUInt32LE(24), header.readUInt32LE(28)] }, pairs };
}
