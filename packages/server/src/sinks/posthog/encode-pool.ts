/**
 * Worker threads that encode windows (encode-window.ts) off the forwarder's thread, through Piscina: parsing the
 * store's text, mapping each event and serialising and gzipping the batch are most of the forwarder's CPU, and on
 * that thread they would cap it at one core. The forwarder's thread keeps the store queries, the requests and the
 * cursor.
 */
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { EncodedWindow, WindowTask } from './encode-window.js';

/**
 * The worker module beside this one, with this module's own extension: `.js` from dist/, `.ts` when run from
 * source under tsx (which workers inherit through execArgv).
 */
const WORKER_FILE = fileURLToPath(
  new URL(`./encode-worker${import.meta.url.slice(import.meta.url.lastIndexOf('.'))}`, import.meta.url),
);

/** A window encoded by a worker: its body as a Buffer (a worker's answer arrives as a plain Uint8Array). */
export interface PooledWindow {
  count: number;
  body: Buffer | undefined;
}

export class EncodePool {
  private readonly pool: Piscina<WindowTask, EncodedWindow>;

  /** `threads` workers (≥ 1), started now and kept until close(). */
  constructor(threads: number) {
    this.pool = new Piscina({ filename: WORKER_FILE, minThreads: threads, maxThreads: threads, idleTimeout: Infinity });
  }

  /** The window of `task`, encoded by a worker; rejects with the worker's error (or its exit) for this task only. */
  async encode(task: WindowTask): Promise<PooledWindow> {
    const { count, body } = await this.pool.run(task);
    return { count, body: body ? Buffer.from(body.buffer, body.byteOffset, body.byteLength) : undefined };
  }

  /** Ends the workers; tasks still queued reject. */
  close(): Promise<void> {
    return this.pool.destroy();
  }
}
