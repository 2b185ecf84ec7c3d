// Test support: where the shared reference material (Sunbird's schemas and sample events, the test oracles) is.
// Oracle suites skip, with REFERENCE_SKIP as their one-line reason, in a clone that has no reference beside it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/** The folder `repoRoot` was cloned from, when that is a local path (a throwaway `git clone . "$(mktemp -d)"`). */
function localOrigin(repoRoot: string): string | undefined {
  try {
    const url = execFileSync('git', ['-C', repoRoot, 'config', '--get', 'remote.origin.url'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const origin = url.trim().replace(/^file:\/\//, '');
    return origin && !origin.includes(':') ? path.resolve(repoRoot, origin) : undefined;
  } catch {
    return undefined;
  }
}

/** Where the reference is, or (`dir` undefined) a one-line reason naming the places tried and the variable to set. */
export type ReferenceLocation = { dir: string; missing?: undefined } | { dir?: undefined; missing: string };

/**
 * `TELEMETRY_REFERENCE_DIR`, else `../shared/reference` beside this checkout (the layout here and in CI), else
 * beside the repository a local clone came from. The files are read, never copied into the repository.
 */
export function locateReferenceDir(env: NodeJS.ProcessEnv = process.env, repoRoot = REPO_ROOT): ReferenceLocation {
  const origin = localOrigin(repoRoot);
  const candidates = [
    env.TELEMETRY_REFERENCE_DIR,
    path.resolve(repoRoot, '../shared/reference'),
    origin && path.resolve(origin, '../shared/reference'),
  ].filter((dir): dir is string => Boolean(dir));
  const dir = candidates.find((candidate) => fs.existsSync(path.join(candidate, 'schemas')));
  if (dir) return { dir };
  return {
    missing: `oracle suite: the Sunbird reference material is not in ${candidates.join(' or ')}; set TELEMETRY_REFERENCE_DIR to run it`,
  };
}

const LOCATION = locateReferenceDir();

/** `{ skip: REFERENCE_SKIP }` on an oracle test: false where the reference is found, else the reason it is skipped. */
export const REFERENCE_SKIP: string | false = LOCATION.missing ?? false;

/** The reference folder; throws (with the reason) when it is absent, so call it only inside a skippable test. */
export function referenceDir(): string {
  if (!LOCATION.dir) throw new Error(LOCATION.missing);
  return LOCATION.dir;
}
