/**
 * The spool: an append-only log of segment files. An append resolves only after its bytes are
 * fsynced; appends that arrive while a write+fsync is under way are committed together in the
 * next one (group commit). A non-empty segment is sealed after `rotateMs` and handed to the loader.
 */
import type fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';

const SUFFIX = '.seg';

export interface SealedSegment {
  segment: number;
  file: string;
  bytes: number;
}

export interface SegmentLogOptions {
  dir: string;
  /** A non-empty segment is sealed this long after its first write. */
  rotateMs: number;
  /** …or once it holds this many bytes, so one load stays small under heavy traffic. Default 8 MB. */
  rotateBytes?: number;
  /** Called for each sealed segment, in order. */
  onSealed: (sealed: SealedSegment) => void;
  /** Observes the duration of each write+fsync, in seconds. */
  onCommit?: (seconds: number) => void;
}

export function segmentFile(dir: string, segment: number): string {
  return path.join(dir, `${String(segment).padStart(12, '0')}${SUFFIX}`);
}

/** Segments on disk, in order. The last one may end in a torn line from a crash: cut it off (it was never acknowledged). */
export async function recoverSegments(dir: string, loadedUpTo: number): Promise<SealedSegment[]> {
  await fsp.mkdir(dir, { recursive: true });
  const names = (await fsp.readdir(dir)).filter((name) => name.endsWith(SUFFIX)).sort();
  const segments: SealedSegment[] = [];
  for (const name of names) {
    const segment = Number(name.slice(0, -SUFFIX.length));
    const file = path.join(dir, name);
    if (segment <= loadedUpTo) {
      await fsp.rm(file, { force: true }); // loaded before a crash, deletion did not happen
      continue;
    }
    const data = await fsp.readFile(file);
    const end = data.lastIndexOf(10) + 1;
    if (end < data.length) await fsp.truncate(file, end);
    if (end === 0) {
      await fsp.rm(file, { force: true });
      continue;
    }
    segments.push({ segment, file, bytes: end });
  }
  return segments;
}

export class SegmentLog {
  private fd: fs.promises.FileHandle | undefined;
  private current = 0;
  private currentBytes = 0;
  private rotateTimer: NodeJS.Timeout | undefined;
  private pending: string[] = [];
  private waiters: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
  private flushing = false;
  private rotateDue = false;
  private closed = false;

  constructor(
    private readonly options: SegmentLogOptions,
    nextSegment: number,
  ) {
    this.current = nextSegment - 1;
  }

  /** Resolves once `text` (possibly empty) and everything appended before it is durable. */
  append(text: string): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the spool is closed'));
    return new Promise((resolve, reject) => {
      if (text.length > 0) this.pending.push(text);
      this.waiters.push({ resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.waiters.length > 0 || this.rotateDue) {
      if (this.rotateDue) {
        // Sealed between commits, so a segment never holds a torn group and never grows without bound under load.
        this.rotateDue = false;
        await this.sealCurrent().catch(() => {});
        continue;
      }
      const texts = this.pending;
      const waiters = this.waiters;
      this.pending = [];
      this.waiters = [];
      try {
        if (texts.length > 0) {
          const started = performance.now();
          const fd = await this.openSegment();
          const bytes = Buffer.from(texts.length === 1 ? texts[0] : texts.join(''), 'utf8');
          await fd.write(bytes, 0, bytes.length);
          await fd.datasync();
          this.currentBytes += bytes.length;
          this.options.onCommit?.((performance.now() - started) / 1000);
          if (this.currentBytes >= (this.options.rotateBytes ?? 8 * 1024 * 1024)) this.rotateDue = true;
        }
        for (const waiter of waiters) waiter.resolve();
      } catch (error) {
        for (const waiter of waiters) waiter.reject(error);
      }
    }
    this.flushing = false;
  }

  private async openSegment(): Promise<fs.promises.FileHandle> {
    if (this.fd) return this.fd;
    this.current += 1;
    this.currentBytes = 0;
    this.fd = await fsp.open(segmentFile(this.options.dir, this.current), 'a');
    // The new file's directory entry must be durable before the first acknowledgement relies on it.
    const dir = await fsp.open(this.options.dir, 'r');
    await dir.sync().finally(() => dir.close());
    this.rotateTimer = setTimeout(() => this.requestSeal(), this.options.rotateMs);
    return this.fd;
  }

  private requestSeal(): void {
    this.rotateDue = true;
    if (!this.flushing) void this.flush();
  }

  private async sealCurrent(): Promise<void> {
    const fd = this.fd;
    if (!fd) return;
    this.fd = undefined;
    clearTimeout(this.rotateTimer);
    await fd.close();
    if (this.currentBytes > 0) {
      this.options.onSealed({
        segment: this.current,
        file: segmentFile(this.options.dir, this.current),
        bytes: this.currentBytes,
      });
    }
  }

  /** Commits what is pending, seals the last segment and refuses further appends. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.flushing) await new Promise((resolve) => setImmediate(resolve));
    await this.sealCurrent();
  }
}
