/**
 * How long the event loop was held: the collector answers every request on this one JavaScript thread, so time spent
 * there by anything else (a summarizer run, rows read out of the store, the garbage collector) is time requests wait.
 * A timer due every `everyMs` records how late it ran; a hold of 600 ms is one sample of ~600 ms.
 */
import { performance } from 'node:perf_hooks';
import type { Histogram } from './registry.js';

/**
 * Starts sampling into `histogram` (seconds late per tick; ~0 when the loop is free). The timer is unref'd: it never
 * keeps the process alive. Returns `stop`.
 */
export function watchEventLoop(histogram: Histogram, everyMs = 20): () => void {
  let due = performance.now() + everyMs;
  let timer: NodeJS.Timeout;
  const tick = () => {
    const now = performance.now();
    histogram.observe(Math.max(0, now - due) / 1000);
    due = now + everyMs;
    timer = setTimeout(tick, everyMs).unref();
  };
  timer = setTimeout(tick, everyMs).unref();
  return () => clearTimeout(timer);
}
