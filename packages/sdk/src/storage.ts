/** Storage backends behind one key/value contract: memory, the browser's localStorage, and a default chooser. */
import type { KeyValueStorage } from './types.js';

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
 * localStorage when it works. It is synchronous, which is what makes the unload path safe: the queue is on disk
 * before pagehide returns. Safari's private mode and sandboxed iframes throw on access, hence the probe.
 */
export function localStorageOrNull(): KeyValueStorage | null {
  try {
    const ls = (globalThis as { localStorage?: Storage }).localStorage;
    if (!ls) return null;
    const probe = '__telemetry_probe__';
    ls.setItem(probe, '1');
    ls.removeItem(probe);
    return ls;
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
