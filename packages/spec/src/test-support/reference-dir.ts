// Test support: where the shared reference material (Sunbird's schemas and sample events, the test oracles) is.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/** The folder `repoRoot` was cloned from, when that is a local path (a throwaway `git clone . "$(mktemp -d)"`). */
function localOrigin(repoRoot: string): string | undefined {
  try {
    const url = execFileSync('git', ['-C', repoRoot, 'config', '--get', 'remote.origin.url'], { encoding: 'utf8' });
    const origin = url.trim().replace(/^file:\/\//, '');
    return origin && !origin.includes(':') ? path.resolve(repoRoot, origin) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `TELEMETRY_REFERENCE_DIR`, else `../shared/reference` beside this checkout (the layout here and in CI), else
 * beside the repository a local clone came from. The files are read, never copied into the repository.
 */
export function findReferenceDir(env: NodeJS.ProcessEnv = process.env, repoRoot = REPO_ROOT): string {
  const origin = localOrigin(repoRoot);
  const candidates = [
    env.TELEMETRY_REFERENCE_DIR,
    path.resolve(repoRoot, '../shared/reference'),
    origin && path.resolve(origin, '../shared/reference'),
  ].filter((dir): dir is string => Boolean(dir));
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, 'schemas')));
  if (!found) {
    throw new Error(
      `the shared reference material is not in ${candidates.join(' or ')}: put shared/ beside the repository or set TELEMETRY_REFERENCE_DIR`,
    );
  }
  return found;
}

export const REFERENCE_DIR = findReferenceDir();
