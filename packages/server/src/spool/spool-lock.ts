/**
 * One process per data directory's spool: `lockSpool` makes the caller the spool's only owner until it releases, so a
 * second server, `telemetry import` or `telemetry simulate` on the same directory is refused before it touches it
 * (recovery would move the owner's unloaded segment into its own store and delete it). The store's own lock does not
 * cover this: two processes may name two different stores over one spool.
 *
 * The lock is a file created with O_EXCL holding the owner's pid. Node has no flock, and proper-lockfile (the npm
 * package that would fit) tells a stale lock by its mtime, kept fresh by a timer, and cannot name the holder; a pid
 * answers "is the holder alive" at once, so a lock left by kill -9 is taken over at the next start, not after a delay.
 * A pid that is now another live process keeps the lock (refused, naming the pid, for an operator to remove the
 * file); a pid that is our own is a previous life of this process (a container's pid 1), so it is stale.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DATA_DIR_MODE } from '../store/open-store.js';

/** The lock file, in the data directory next to `spool/` (not inside it: recovery reads the spool's names). */
export const SPOOL_LOCK_FILE = 'spool.lock';

/** Another live process owns the spool: `pid` names it, `file` is the lock to remove should that pid be reused. */
export class SpoolLockedError extends Error {
  readonly code = 'SPOOL_LOCKED';
  constructor(
    readonly dir: string,
    readonly pid: number,
    readonly file: string,
  ) {
    super(
      `the data directory ${dir} is in use by another process (pid ${pid}): its spool has one owner; ` +
        `stop that process or give this one its own TELEMETRY_DATA_DIR (if pid ${pid} is not a collector, remove ${file})`,
    );
    this.name = 'SpoolLockedError';
  }
}

export interface SpoolLock {
  readonly file: string;
  /** Gives the spool up (idempotent); the next process may take it. */
  release(): void;
}

/** Lock files this process holds: a second open in the same process is refused too, not taken as stale. */
const held = new Set<string>();

/**
 * Takes the spool of `dataDir` for this process, creating the directory when missing.
 * @throws SpoolLockedError when a live process (or this one, already) holds it
 */
export function lockSpool(dataDir: string): SpoolLock {
  const dir = path.resolve(dataDir);
  fs.mkdirSync(dir, { recursive: true, mode: DATA_DIR_MODE }); // its user's alone, as openStore makes it
  const file = path.join(dir, SPOOL_LOCK_FILE);
  // Two rounds: a stale lock is set aside and the O_EXCL create tried again; losing that race to another process
  // starting at the same moment is then a refusal naming the winner.
  for (let round = 0; ; round++) {
    if (held.has(file)) throw new SpoolLockedError(dir, process.pid, file);
    try {
      const fd = fs.openSync(file, 'wx');
      try {
        fs.writeSync(fd, `${process.pid}\n`);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      held.add(file);
      return { file, release: () => release(file) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const pid = readPid(file);
    if ((pid !== undefined && (round > 0 || alive(pid))) || round > 2) throw new SpoolLockedError(dir, pid ?? 0, file);
    setAside(file, pid);
  }
}

/** The pid in a lock file; undefined when the file is gone, empty or torn (a crash between create and write). */
function readPid(file: string): number | undefined {
  try {
    const pid = Number.parseInt(fs.readFileSync(file, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `pid` is a running process other than this one (EPERM: alive, another user's). */
function alive(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes a stale lock. Renamed first, then checked: if another process took the lock over between our read and the
 * rename, what we moved is its live lock, which is put back (link fails should a third one have created it meanwhile).
 */
function setAside(file: string, stalePid: number | undefined): void {
  const aside = `${file}.stale-${process.pid}`;
  try {
    fs.renameSync(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = readPid(aside);
  if (moved !== stalePid && moved !== undefined && alive(moved)) {
    try {
      fs.linkSync(aside, file);
    } catch {}
  }
  fs.rmSync(aside, { force: true });
}

function release(file: string): void {
  if (!held.delete(file)) return;
  // Only our own lock: an operator may have removed it, and another process taken the spool since.
  if (readPid(file) === process.pid) fs.rmSync(file, { force: true });
}
