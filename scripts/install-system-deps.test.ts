/**
 * scripts/install-system-deps.sh decides how to install what the suites need: as root with apt-get, through sudo
 * when not root, and otherwise says what to install and lets `npm test` go on. Run with a PATH of stubs (id, sudo,
 * apt-get, chromium) that record what they were asked to do, so nothing is installed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

const SCRIPT = path.resolve(import.meta.dirname, 'install-system-deps.sh');
const BASH = '/bin/bash';

interface Machine {
  uid: number;
  sudo?: 'works' | 'refuses';
  aptGet?: boolean;
  chromium?: boolean;
}

/** Runs the script on a stubbed machine: what it ran (one line per call), its exit status and its stderr. */
function run(machine: Machine, packages: string[] = []) {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'system-deps-'));
  const log = path.join(bin, 'calls.log');
  const stub = (name: string, body: string) =>
    fs.writeFileSync(path.join(bin, name), `#!${BASH}\n${body}\n`, { mode: 0o755 });
  stub('id', `[ "$1" = -u ] && echo ${machine.uid}`);
  fs.symlinkSync('/usr/bin/env', path.join(bin, 'env'));
  if (machine.sudo)
    stub(
      'sudo',
      `echo "sudo $*" >> ${log}\n${machine.sudo === 'works' ? '[ "$1" = -n ] && shift; exec "$@"' : 'exit 1'}`,
    );
  if (machine.aptGet !== false)
    stub('apt-get', `echo "apt-get $* (DEBIAN_FRONTEND=$DEBIAN_FRONTEND, uid $(id -u))" >> ${log}`);
  if (machine.chromium) stub('chromium', 'exit 0');
  const result = spawnSync(BASH, [SCRIPT, ...packages], {
    env: { PATH: bin },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const calls = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : [];
  fs.rmSync(bin, { recursive: true, force: true });
  return { status: result.status, calls, stderr: result.stderr };
}

const INSTALL = 'apt-get install -y -qq --no-install-recommends chromium (DEBIAN_FRONTEND=noninteractive';

test('as root: apt-get directly', () => {
  const { status, calls } = run({ uid: 0 });
  assert.equal(status, 0);
  assert.deepEqual(calls, ['apt-get update -qq (DEBIAN_FRONTEND=noninteractive, uid 0)', `${INSTALL}, uid 0)`]);
});

test('not root, sudo present: apt-get through sudo, never waiting for a password without a terminal', () => {
  const { status, calls } = run({ uid: 1000, sudo: 'works' });
  assert.equal(status, 0);
  assert.deepEqual(calls, [
    'sudo -n apt-get update -qq',
    'apt-get update -qq (DEBIAN_FRONTEND=noninteractive, uid 1000)',
    'sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium',
    `${INSTALL}, uid 1000)`,
  ]);
});

test('not root, no sudo: nothing run; says what to install and that only the browser suites skip', () => {
  const { status, calls, stderr } = run({ uid: 1000 });
  assert.equal(status, 0);
  assert.deepEqual(calls, []);
  assert.match(stderr, /not root and no sudo; install chromium yourself \(Debian: sudo apt-get install chromium;/);
  assert.match(stderr, /the browser suites skip/);
});

test('sudo refuses (a password is needed): says so and what to install, and npm test goes on', () => {
  const { status, calls, stderr } = run({ uid: 1000, sudo: 'refuses' });
  assert.equal(status, 0);
  assert.deepEqual(calls, ['sudo -n apt-get update -qq']);
  assert.match(stderr, /apt-get through sudo -n failed; install chromium yourself/);
});

test('no apt-get (macOS): says what to install', () => {
  const { status, calls, stderr } = run({ uid: 501, sudo: 'works', aptGet: false });
  assert.equal(status, 0);
  assert.deepEqual(calls, []);
  assert.match(stderr, /no apt-get here; install chromium yourself .*\/usr\/bin\/chromium/);
});

test('chromium already there: nothing to do', () => {
  const { status, calls, stderr } = run({ uid: 1000, chromium: true });
  assert.deepEqual([status, calls, stderr], [0, [], '']);
});

test('clickhouse-server named (scripts/clickhouse.sh install): installed with apt-get as chromium is', () => {
  const { status, calls } = run({ uid: 0 }, ['clickhouse-server']);
  assert.equal(status, 0);
  assert.deepEqual(calls, [
    'apt-get update -qq (DEBIAN_FRONTEND=noninteractive, uid 0)',
    'apt-get install -y -qq --no-install-recommends clickhouse-server (DEBIAN_FRONTEND=noninteractive, uid 0)',
  ]);
});

test('both named, no apt-get: one message naming both packages and the suites that skip', () => {
  const { status, calls, stderr } = run({ uid: 501, aptGet: false }, ['chromium', 'clickhouse-server']);
  assert.equal(status, 0);
  assert.deepEqual(calls, []);
  assert.match(stderr, /install chromium clickhouse-server yourself/);
  assert.match(stderr, /the browser suites and the ClickHouse suites skip/);
});

test('an unknown package name is refused (exit 64), nothing run', () => {
  const { status, calls, stderr } = run({ uid: 0 }, ['postgres']);
  assert.deepEqual([status, calls], [64, []]);
  assert.match(stderr, /unknown package postgres/);
});
