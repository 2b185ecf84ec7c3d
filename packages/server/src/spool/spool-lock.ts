/**
 * One process per data directory's spool: `lockSpool` makes the caller the spool's only owner until it releases, so a
 * second server, `telemetry import` or `telemetry simulate` on the same directory is refused before it touches it
 * (recovery would move the owner's unloaded segment into its own store and delete it). The store's own lock does not
 * cover this: two processes may name two different stores over one spool.
 *
 * The lock is a file holding the owner's pid and host name, put in place whole (written beside it, then hard-linked:
 * a link fails if the name exists, and a reader never sees it empty). Node has no flock, and proper-lockfile (the npm
 * package that would fit) tells a stale lock by its mtime, kept fresh by a timer, and cannot name the holder; a pid
 * answers "is the holder alive" at once, so a lock left by kill -9 is taken over at the next start, not after a delay.
 * A pid that is now another live process keeps the lock (refused, naming the pid, for an operator to remove the
 * file); our own pid on our own host is a previous life of this process (a container's pid 1), so it is stale. A
 * lock written on another host (another container sharing the volume, whose pids this one cannot see) is never
 * taken as stale: refused, naming that host.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DATA_DIR_MODE } from '../store/store.js';

/** The lock file, in the data directory next to `spool/` (not inside it: recovery reads the spool's names). */
export const SPOOL_LOCK_FILE = 'spool.lock';

/** Another live process owns the spool: `pid` names it, `file` is the lock to remove should that pid be reused. */
export class SpoolLockedError extends Error {
  readonly code = 'SPOOL_LOCKED';
  constructor(
    readonly dir: string,
    readonly pid: number,
    readonly file: string,
    readonly host = os.hostname(),
  ) {
    const holder = host === os.hostname() ? `pid ${pid}` : `pid ${pid} on host ${host}`;
    super(
      `the data directory ${dir} is in use by another process (${holder}): its spool has one owner; ` +
        `stop that process or give this one its own TELEMETRY_DATA_DIR (if ${holder} is not a collector, remove ${file})`,
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
    if (create(file)) {
      held.add(file);
      return { file, release: () => release(file) };
    }
    const holder = readHolder(file);
    const live = holder !== undefined && (round > 0 || alive(holder));
    if (live || round > 2) throw new SpoolLockedError(dir, holder?.pid ?? 0, file, holder?.host);
    setAside(file, holder?.pid);
  }
}

/** This process's line in its lock: pid and host name. */
const ownLine = () => `${process.pid} ${os.hostname()}\n`;

/** Puts our lock at `file` whole (written and fsynced beside it, then linked); false when the name is taken. */
function create(file: string): boolean {
  const temporary = `${file}.${process.pid}.new`;
  fs.writeFileSync(temporary, ownLine());
  const fd = fs.openSync(temporary, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.linkSync(temporary, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return false;
  } finally {
    fs.rmSync(temporary, { force: true });
  }
}

/**
 * The holder a lock file names; undefined when the file is gone or unreadable (only an older version's lock, created
 * then written, could be seen empty). A lock without a host (an older version's) is this host's.
 */
function readHolder(file: string): { pid: number; host: string } | undefined {
  try {
    const [pidText, host = os.hostname()] = fs.readFileSync(file, 'utf8').trim().split(/\s+/);
    const pid = Number(pidText);
    return Number.isInteger(pid) && pid > 0 ? { pid, host } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the holder may still be running: another host's pid cannot be checked from here, so it may; on this host, a
 * running process other than this one (EPERM: alive, another user's).
 */
function alive({ pid, host }: { pid: number; host: string }): boolean {
  if (host !== os.hostname()) return true;
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
    if (fs.lstatSync(file).isDirectory()) throw new Error(`${file} is a directory, not a lock file: remove it`);
    fs.renameSync(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = readHolder(aside);
  if (moved !== undefined && moved.pid !== stalePid && alive(moved)) {
    try {
      fs.linkSync(aside, file);
    } catch {}
  }
  fs.rmSync(aside, { force: true });
}

function release(file: string): void {
  if (!held.delete(file)) return;
  // Only our own lock: an operator may have removed it, and another process taken the spool since.
  if (readHolder(file)?.pid === process.pid) fs.rmSync(file, { force: true });
}
