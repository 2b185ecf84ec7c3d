/** Storage backends behind one key/value contract: memory, the browser's localStorage, and a default chooser. */
import type { KeyValueStorage } from './types.js';
import { attempt } from './util.js';

/**
 * Storage that lives as long as the process: the default outside browsers. It is marked volatile, so the queue does
 * not bother serialising itself into it (the queue in memory already is that copy).
 */
export function memoryStorage(): KeyValueStorage & { data: Map<string, string>; volatile: true } {
  const data = new Map<string, string>();
  return {
    data,
    volatile: true,
    getItem: (key) => data.get(key) ?? null,
    setItem: (key, value) => {
      data.set(key, value);
    },
    removeItem: (key) => {
      data.delete(key);
    },
  };
}

/**
 * localStorage when the page may use it. It is synchronous, which is what makes the unload path safe: the queue is
 * on disk before pagehide returns. Sandboxed iframes throw on access (null here); a storage that refuses writes
 * (quota, old Safari private mode) is not probed with a test write, because nothing may be written before consent:
 * its failed writes are counted and the queue lives in memory.
 */
export function localStorageOrNull(): KeyValueStorage | null {
  try {
    return (globalThis as { localStorage?: Storage }).localStorage || null;
  } catch {
    return null;
  }
}

/** The default: localStorage in browsers, memory elsewhere (pass a storage for React Native or Node files). */
export function defaultStorage(): KeyValueStorage {
  return localStorageOrNull() ?? memoryStorage();
}

/**
 * Adapts React Native's AsyncStorage (or any promise-based getItem/setItem/removeItem) and writes through a chain,
 * so two quick writes of the queue never land out of order.
 */
export function asyncStorage(store: {
  getItem(key: string): Promise<string | null>;
  setItem(key: string, value: string): Promise<void>;
  removeItem(key: string): Promise<void>;
}): KeyValueStorage {
  let chain: Promise<unknown> = Promise.resolve();
  const queue = (fn: () => Promise<unknown>) => {
    chain = chain.then(fn, fn).catch(() => {});
    return chain as Promise<void>;
  };
  return {
    getItem: (key) => chain.then(() => store.getItem(key)),
    setItem: (key, value) => queue(() => store.setItem(key, value)),
    removeItem: (key) => queue(() => store.removeItem(key)),
  };
}

/**
 * The storage as the SDK itself uses it: nothing is written while `allowed()` is false (consent), and no call throws
 * or rejects. A failed write (quota, private mode, a rejected AsyncStorage promise) goes to `fail` while the caller
 * keeps its data in memory; a failed read reads as null.
 */
export function guardedStorage(
  s: KeyValueStorage,
  allowed: () => boolean,
  fail: (err: unknown) => void,
): KeyValueStorage {
  return {
    volatile: s.volatile,
    getItem(key) {
      try {
        const v = s.getItem(key);
        return v && typeof (v as Promise<string>).then === 'function'
          ? (v as Promise<string>).then(undefined, () => null)
          : v;
      } catch {
        return null;
      }
    },
    setItem: (key, value) => {
      if (allowed()) attempt(() => s.setItem(key, value), fail);
    },
    removeItem: (key) => attempt(() => s.removeItem(key), fail),
  };
}
