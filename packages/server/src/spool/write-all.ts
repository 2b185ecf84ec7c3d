import type fs from 'node:fs/promises';

/**
 * Writes all of `bytes` to `fd`, from `position` (bytes from the file's start) or, when null, at its current position.
 * A short write (a disk filling up) is continued.
 * @throws the file system's errors; Error(`the ${what} made no progress`) when a write takes none of the bytes
 */
export async function writeAll(
  fd: fs.FileHandle,
  bytes: Uint8Array,
  position: number | null,
  what: string,
): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const at = position === null ? null : position + offset;
    const { bytesWritten } = await fd.write(bytes, offset, bytes.length - offset, at);
    if (bytesWritten <= 0) throw new Error(`the ${what} made no progress`);
    offset += bytesWritten;
  }
}
