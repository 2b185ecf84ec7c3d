/**
 * The `mid` index across restarts: a clean stop saves the index's hashes with a mark of the store it describes; the
 * next start reads them back and scans only the events loaded after the mark, instead of every `mid` stored (about
 * 20 s at 10 million events). A snapshot that no longer describes the store (events deleted or rewritten, another
 * store file, a damaged file) is not used: the start scans everything, as without one.
 *
 * File (little-endian): "TLMIDX01", then float64s `seq`, `events`, the mark's mid hash as two uint32s, float64
 * `pairs`, then `pairs` × [hi, lo] uint32 (DedupIndex.hashes()). Written to a temporary file, fsynced, renamed.
 */
import fs from 'node:fs/promises';
import type { Store } from '../store/store.js';
import { DedupIndex, dedupHash } from './dedup-index.js';

/** The snapshot's name in the data directory (TELEMETRY_DATA_DIR), beside `spool/`. */
export const DEDUP_SNAPSHOT_FILE = 'mids.snapshot';
const MAGIC = 'TLMIDX01';
const HEADER_BYTES = 40;

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
  const { rows } =
    seq === undefined
      ? await store.query('SELECT coalesce(max(arrival_seq), 0), count(*) FROM events')
      : await store.query('SELECT coalesce(max(arrival_seq), 0), count(*) FROM events WHERE arrival_seq <= $seq', {
          seq,
        });
  const at = Number(rows[0][0]);
  const mids = at > 0 ? (await store.query('SELECT mid FROM events WHERE arrival_seq = $at', { at })).rows : [];
  return {
    seq: at,
    events: Number(rows[0][1]),
    lastMid: mids.length === 1 ? dedupHash(String(mids[0][0])) : [0, 0],
  };
}

/**
 * Saves `index` with the store's current mark to `file`. Call it when nothing is being added or rolled back (after
 * the spool has closed): a mid added for a commit that then failed would be remembered as stored.
 */
export async function saveDedupSnapshot(store: Store, index: DedupIndex, file: string): Promise<void> {
  const mark = await storeMark(store);
  const pairs = index.hashes();
  const header = Buffer.alloc(HEADER_BYTES);
  header.write(MAGIC, 0, 'latin1');
  header.writeDoubleLE(mark.seq, 8);
  header.writeDoubleLE(mark.events, 16);
  header.writeUInt32LE(mark.lastMid[0], 24);
  header.writeUInt32LE(mark.lastMid[1], 28);
  header.writeDoubleLE(pairs.length / 2, 32);
  const temporary = `${file}.tmp`;
  const handle = await fs.open(temporary, 'w');
  try {
    await handle.write(header);
    // Typed arrays are in the platform's byte order; every platform Node runs on here is little-endian.
    await handle.write(new Uint8Array(pairs.buffer, pairs.byteOffset, pairs.byteLength));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(temporary, file);
}

/**
 * The index saved in `file` and the `arrival_seq` it covers, when the store still holds what it held at the save
 * (same count of events up to that `seq`, same `mid` at it); otherwise no index, with the `reason` a snapshot was
 * not used (none when there is no file). The caller then adds the `mid`s of events after `seq` (all of them when
 * there is no index). Never throws for the file: an unreadable one is a reason; throws what the store's reads throw.
 */
export async function loadDedupSnapshot(
  store: Store,
  file: string,
): Promise<{ index?: DedupIndex; seq: number; reason?: string }> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    return { seq: 0, reason: code === 'ENOENT' ? undefined : message };
  }
  const snapshot = parseDedupSnapshot(bytes);
  if (typeof snapshot === 'string') return { seq: 0, reason: `${file} ${snapshot}` };
  const now = await storeMark(store, snapshot.mark.seq);
  if (
    now.seq !== snapshot.mark.seq ||
    now.events !== snapshot.mark.events ||
    `${now.lastMid}` !== `${snapshot.mark.lastMid}`
  ) {
    return { seq: 0, reason: 'the store changed since the snapshot (events deleted or another store)' };
  }
  const index = new DedupIndex();
  try {
    index.addHashes(snapshot.hashes);
  } catch {
    return { seq: 0, reason: `${file} holds a value that is not a hash` };
  }
  return { index, seq: snapshot.mark.seq };
}

/** A snapshot file's mark and hashes, or what is wrong with it. */
export function parseDedupSnapshot(bytes: Buffer): { mark: StoreMark; hashes: Uint32Array } | string {
  const pairs = bytes.length >= HEADER_BYTES ? bytes.readDoubleLE(32) : -1;
  if (bytes.toString('latin1', 0, 8) !== MAGIC || bytes.length !== HEADER_BYTES + pairs * 8) {
    return 'is not a whole snapshot';
  }
  const mark: StoreMark = {
    seq: bytes.readDoubleLE(8),
    events: bytes.readDoubleLE(16),
    lastMid: [bytes.readUInt32LE(24), bytes.readUInt32LE(28)],
  };
  // A view of the file's bytes when they sit on a 4-byte boundary (a large file's buffer is its own), else a copy.
  const start = bytes.byteOffset + HEADER_BYTES;
  const hashes =
    start % 4 === 0
      ? new Uint32Array(bytes.buffer, start, pairs * 2)
      : new Uint32Array(Uint8Array.from(bytes.subarray(HEADER_BYTES)).buffer);
  return { mark, hashes };
}
