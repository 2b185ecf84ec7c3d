/**
 * Temporary directories for tests, removed when the test process exits (Node's runner gives each test file a
 * process of its own), so repeated runs (a mutation run starts thousands) do not fill the disk. Set
 * TELEMETRY_KEEP_TEST_DIRS=1 to keep them for a look after a failure.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const made: string[] = [];
process.on('exit', () => {
  if (process.env.TELEMETRY_KEEP_TEST_DIRS === '1') return;
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

/** A new empty directory under the OS temp dir, named `<prefix>XXXXXX`; removed at exit. */
export function tempDir(prefix = 'telemetry-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}
