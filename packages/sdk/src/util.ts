/** Small helpers shared by every module: ids, a cheap string hash, the debug logger and a never-throw wrapper. */

const g = globalThis as unknown as { crypto?: Crypto };

/** A random UUID v4. Falls back from randomUUID (secure contexts only) to getRandomValues to Math.random. */
export function uuid(): string {
  const c = g.crypto;
  if (c?.randomUUID) return c.randomUUID();
  const b = new Uint8Array(16);
  if (c?.getRandomValues) c.getRandomValues(b);
  else for (let i = 0; i < 16; i++) b[i] = (Math.random() * 256) | 0;
  b[6] = (b[6] & 15) | 64;
  b[8] = (b[8] & 63) | 128;
  let s = '';
  for (let i = 0; i < 16; i++)
    s += (i === 4 || i === 6 || i === 8 || i === 10 ? '-' : '') + (b[i] + 256).toString(16).slice(1);
  return s;
}

/** cyrb53: a fast 53-bit string hash, used for batch msgids and per-device sampling (not for security). */
export function hash53(str: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < str.length; i++) {
    const ch = str.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

export type Logger = (...args: unknown[]) => void;

/** The debug logger: silent unless `debug` is on, so a host page's console stays clean. */
export function makeLogger(debug: boolean | undefined): Logger {
  return debug ? (...args) => console.debug('[telemetry]', ...args) : () => {};
}

/** A timer that never keeps a Node process alive by itself (the host decides when to exit, via shutdown()). */
export function later(fn: () => void, ms: number): ReturnType<typeof setTimeout> {
  const t = setTimeout(fn, ms);
  (t as { unref?: () => void }).unref?.();
  return t;
}

/**
 * Milliseconds on a clock that never jumps (performance.now), for deadlines: a device whose wall clock is corrected
 * by an hour must neither retry at once nor wait an hour. Falls back to Date.now where there is none.
 */
export function monotonic(): number {
  const p = (globalThis as { performance?: { now(): number } }).performance;
  return p ? p.now() : Date.now();
}

/** Runs a storage call, sync or async, and reports its failure (a throw or a rejection) to `fail` instead. */
export function attempt(fn: () => unknown, fail: (err: unknown) => void): void {
  try {
    const r = fn() as Promise<unknown> | undefined;
    if (r && typeof r.then === 'function') r.then(undefined, fail);
  } catch (err) {
    fail(err);
  }
}

/** Resolves a value that may or may not be a promise, synchronously when it is not (keeps localStorage sync). */
export function when<T>(value: T | Promise<T>, fn: (v: T) => void): void | Promise<void> {
  if (value && typeof (value as Promise<T>).then === 'function') return (value as Promise<T>).then(fn).catch(() => {});
  fn(value as T);
}
