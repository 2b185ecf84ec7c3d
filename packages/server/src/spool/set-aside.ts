/**
 * What start-up recovery cannot read is set aside, never destroyed: the bytes of a segment between its whole commit
 * groups are moved to `<spool>/damaged/<segment file>.<offset>.bin` (a folder the loader never reads), so an operator
 * can look at them, and recovery says what it set aside and why (docs/spool.md, "Recovery").
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { groupHeaderAt } from './segment-format.js';

export const DAMAGED_DIR = 'damaged';

/**
 * Why bytes were set aside:
 * - torn_tail: the newest segment ends in one partial group (its header or records cut short, or zeros): what a
 *   crash during a write leaves, a group that was never acknowledged
 * - damaged: anything else (a checksum that does not match, a group cut short in a segment that was sealed, bytes
 *   between whole groups): bytes changed or lost after they were written, possibly acknowledged events
 */
export type SetAsideCause = 'torn_tail' | 'damaged';

export interface SetAside {
  /** The segment file the bytes were cut from. */
  segmentFile: string;
  /** Their offset in it, as it was before recovery. */
  offset: number;
  bytes: number;
  cause: SetAsideCause;
  /** The file that holds them now. */
  file: string;
}

/** Whether `data[offset…]`, the end of the newest segment, is what a crash leaves of a write in flight. */
export function isTornTail(data: Buffer, offset: number): boolean {
  const rest = data.subarray(offset);
  if (rest.every((byte) => byte === 0)) return true; // the file grew, its bytes never reached the disk
  const header = groupHeaderAt(data, offset);
  // The records cut short — unless what is there is the whole group with a changed length (its checksum matches).
  if (header) return header.start + header.bytes > data.length && crc32(data.subarray(header.start)) !== header.crc;
  // No whole header: it must be cut short itself (no newline yet), not a damaged one.
  return !rest.includes(10) && rest[0] === 0x63 && (rest.length < 2 || rest[1] === 0x1f);
}

/**
 * Writes `bytes` to the damaged folder under `spoolDir`, durably; returns the file's path. A file of that name with
 * other bytes (set aside by an earlier start) is kept: the name gets a number.
 */
export async function writeSetAside(spoolDir: string, segmentFile: string, offset: number, bytes: Buffer) {
  const dir = path.join(spoolDir, DAMAGED_DIR);
  await fsp.mkdir(dir, { recursive: true });
  for (let n = 0; ; n++) {
    const file = path.join(dir, `${path.basename(segmentFile)}.${offset}${n === 0 ? '' : `.${n}`}.bin`);
    const existing = await fsp.readFile(file).catch(() => undefined);
    if (existing?.equals(bytes)) return file; // set aside by a start that crashed before it cut the segment
    if (existing) continue;
    const handle = await fsp.open(file, 'wx');
    await handle
      .writeFile(bytes)
      .then(() => handle.sync())
      .finally(() => handle.close());
    await syncDir(dir);
    await syncDir(spoolDir);
    return file;
  }
}

export async function syncDir(dir: string): Promise<void> {
  const handle = await fsp.open(dir, 'r');
  await handle.sync().finally(() => handle.close());
}

/** The files in the damaged folder and their total size (none when the folder does not exist). */
export async function damagedFiles(spoolDir: string): Promise<{ files: number; bytes: number }> {
  const dir = path.join(spoolDir, DAMAGED_DIR);
  const names = await fsp.readdir(dir).catch(() => [] as string[]);
  let bytes = 0;
  for (const name of names) bytes += (await fsp.stat(path.join(dir, name)).catch(() => ({ size: 0 }))).size;
  return { files: names.length, bytes };
}
