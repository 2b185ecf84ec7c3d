/** Node entry: a file-backed storage, so a server-side producer keeps its queue across restarts. */
import fs from 'node:fs';
import path from 'node:path';
import type { KeyValueStorage } from './types.js';

export * from './index.js';

/**
 * Stores each key as a file under `dir`. Writes go to a temporary file and are renamed into place, so a crash
 * mid-write leaves the previous queue intact rather than a truncated one.
 */
export function fileStorage(dir: string): KeyValueStorage {
  fs.mkdirSync(dir, { recursive: true });
  const file = (key: string) => path.join(dir, encodeURIComponent(key) + '.json');
  return {
    getItem(key) {
      try {
        return fs.readFileSync(file(key), 'utf8');
      } catch {
        return null;
      }
    },
    setItem(key, value) {
      const target = file(key);
      const tmp = target + '.' + process.pid + '.tmp';
      fs.writeFileSync(tmp, value);
      fs.renameSync(tmp, target);
    },
    removeItem(key) {
      fs.rmSync(file(key), { force: true });
    },
  };
}
