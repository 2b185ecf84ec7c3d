/**
 * Whether the spool can be written now, for /health: a probe creates, writes, fsyncs and removes a small file in the
 * spool directory (what opening a new segment does), at most once per `intervalMs` and bounded by `timeoutMs`. Before,
 * /health knew only the last commit's error: a spool that could not be written looked healthy until a request
 * failed, and once it could again it looked broken until a request succeeded — which a load balancer that had taken
 * the collector out of rotation never sent.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';

export const PROBE_FILE = '.health-probe';

export interface SpoolHealthOptions {
  dir: string;
  /** The most often the probe writes; a /health in between reuses its answer. Default 2000 ms. */
  intervalMs?: number;
  /** A probe that has not finished by then is a failure (a stalled disk); /health never waits longer. Default 2000 ms. */
  timeoutMs?: number;
  /** The clock (tests). */
  now?: () => number;
  /** The probe's write (tests inject a failing one); default: create, write, fsync and remove `file`. */
  write?: (file: string) => Promise<void>;
}

interface Probe {
  startedAt: number;
  error: string | undefined;
}

export class SpoolHealth {
  private last: Probe | undefined;
  private running: Promise<Probe> | undefined;
  private writing: Promise<void> | undefined;
  /** When /health first saw the spool's current commit error (a probe must have started since to clear it). */
  private failureSeenAt: number | undefined;
  private seenError: string | undefined;
  private readonly now: () => number;

  /** `spool.lastError` is the last commit's error; the spool clears it at its next commit, this at a later probe. */
  constructor(
    private readonly spool: { lastError: string | undefined },
    private readonly options: SpoolHealthOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Why the spool cannot be written (a probe's or the last commit's error), or undefined when it can. */
  async error(): Promise<string | undefined> {
    const failed = this.spool.lastError;
    if (failed !== this.seenError) {
      this.seenError = failed;
      this.failureSeenAt = failed === undefined ? undefined : this.now();
    }
    const probe = await this.probe();
    if (probe.error !== undefined) return `the spool directory cannot be written: ${probe.error}`;
    if (failed === undefined || this.failureSeenAt === undefined) return undefined;
    // A probe that wrote after the commit failed: the cause has gone (space freed, permissions fixed). The spool's
    // error is cleared so that /health turns healthy without waiting for traffic; a commit that fails again sets it.
    if (probe.startedAt >= this.failureSeenAt) {
      if (this.spool.lastError === failed) this.spool.lastError = undefined;
      this.seenError = undefined;
      this.failureSeenAt = undefined;
      return undefined;
    }
    return failed;
  }

  /** The last probe when it is recent enough, else a new one (one at a time). */
  private probe(): Promise<Probe> {
    const interval = this.options.intervalMs ?? 2000;
    if (this.last && this.now() - this.last.startedAt < interval) return Promise.resolve(this.last);
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async run(): Promise<Probe> {
    const startedAt = this.now();
    const timeoutMs = this.options.timeoutMs ?? 2000;
    const write = this.options.write ?? writeProbe;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the probe write did not finish within ${timeoutMs} ms`)), timeoutMs);
    });
    let error: string | undefined;
    try {
      // A write that timed out and still hangs is not joined by another: one stalled write at most.
      if (this.writing) throw new Error('an earlier probe write has not finished (a stalled disk?)');
      const writing = write(path.join(this.options.dir, PROBE_FILE));
      this.writing = writing;
      void writing.then(
        () => this.clearWriting(writing),
        () => this.clearWriting(writing),
      );
      await Promise.race([writing, timeout]);
    } catch (e) {
      error = String((e as Error).message ?? e);
    } finally {
      clearTimeout(timer);
    }
    this.last = { startedAt, error };
    return this.last;
  }

  private clearWriting(writing: Promise<void>): void {
    if (this.writing === writing) this.writing = undefined;
  }
}

/**
 * Creates `file` (a new directory entry, as a new segment needs: an immutable or read-only directory refuses it),
 * writes and fsyncs a few bytes, removes it.
 */
async function writeProbe(file: string): Promise<void> {
  await fsp.rm(file, { force: true });
  const handle = await fsp.open(file, 'wx');
  try {
    await handle.writeFile(`${new Date().toISOString()}\n`);
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await fsp.rm(file);
}
