/**
 * The spool: an append-only log of segment files. An append resolves only after its bytes are
 * fsynced; appends that arrive while a write+fsync is under way are committed together in the
 * next one (group commit), framed as one group with its length and checksum (segment-format.ts).
 * Every byte is written (a short write on a filling disk is continued); a commit that fails is
 * cut off the file before anything else is appended, and its appends reject (the collector answers
 * 503), with every append queued while it was written. A non-empty segment is sealed after `rotateMs` and handed to the loader.
 */
import type fs from 'node:fs';
import fsp from 'node:fs/promises';
import { GroupFramer } from './segment-format.js';
import { type SealedSegment, segmentFile } from './segment-recovery.js';
import { writeAll } from './write-all.js';

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
  /** Called once a commit is durable, before its appends resolve: the segment and the events it acknowledged. */
  onAcknowledged?: (segment: number, events: number) => void;
}

export class SegmentLog {
  private fd: fs.promises.FileHandle | undefined;
  private current = 0;
  private currentBytes = 0;
  private rotateTimer: NodeJS.Timeout | undefined;
  private pending: string[] = [];
  /** One group is written at a time, so one framing buffer serves them all. */
  private readonly framer = new GroupFramer();
  private pendingEvents = 0;
  private waiters: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
  private flushing = false;
  private rotateDue = false;
  private closed = false;
  /** Set when a failed commit's bytes could not be cut off yet: nothing is appended after torn bytes. */
  private torn = false;
  /** The error of the last commit when it failed (cleared by the next one that succeeds). */
  lastError: string | undefined;

  constructor(
    private readonly options: SegmentLogOptions,
    nextSegment: number,
  ) {
    this.current = nextSegment - 1;
  }

  /**
   * Resolves once `text` (possibly empty; `events` events) and everything appended before it is durable; rejects when
   * any of that fails (the group it is in, or the one being written when it was appended).
   */
  append(text: string, events = 0): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the spool is closed'));
    return new Promise((resolve, reject) => {
      if (text.length > 0) this.pending.push(text);
      this.pendingEvents += events;
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
        try {
          if (this.torn) await this.cutBack();
          await this.sealCurrent();
        } catch {
          this.rotateTimer = setTimeout(() => this.requestSeal(), this.options.rotateMs);
        }
        continue;
      }
      const texts = this.pending;
      const waiters = this.waiters;
      const events = this.pendingEvents;
      this.pending = [];
      this.pendingEvents = 0;
      this.waiters = [];
      try {
        if (this.torn) await this.cutBack();
        if (texts.length > 0) {
          const started = performance.now();
          const fd = await this.openSegment();
          const group = this.framer.frame(texts);
          try {
            await writeAll(fd, group, null, 'spool write');
            await fd.datasync();
          } catch (error) {
            // Not acknowledged: the group's bytes (whole or torn) are cut off before anything else is appended.
            this.torn = true;
            await this.cutBack().catch(() => {});
            throw error;
          }
          this.currentBytes += group.length;
          this.lastError = undefined;
          this.options.onCommit?.((performance.now() - started) / 1000);
          this.options.onAcknowledged?.(this.current, events);
          if (this.currentBytes >= (this.options.rotateBytes ?? 8 * 1024 * 1024)) this.rotateDue = true;
        }
        for (const waiter of waiters) waiter.resolve();
      } catch (error) {
        this.lastError = String((error as Error).message ?? error);
        // The appends queued meanwhile fail with it: one may rest on this group (a request whose events were all
        // duplicates of the ones being written waits with an empty append, collector.ts), and resolving it would
        // acknowledge events that were never made durable.
        const queued = this.waiters;
        this.pending = [];
        this.pendingEvents = 0;
        this.waiters = [];
        for (const waiter of [...waiters, ...queued]) waiter.reject(error);
      }
    }
    this.flushing = false;
  }

  /** Truncates the open segment to its committed bytes; clears `torn` once done. */
  private async cutBack(): Promise<void> {
    if (this.fd) {
      await this.fd.truncate(this.currentBytes);
      await this.fd.datasync();
    }
    this.torn = false;
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
