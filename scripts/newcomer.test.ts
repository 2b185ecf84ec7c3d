/**
 * The newcomer path, as the README tells it: a fresh clone of the last commit in a temporary folder (no ../shared
 * beside it, no origin to find one through, no TELEMETRY_* variables), the README's install-and-start command run as
 * written (on a free port), its curl examples answering as shown, its demo-data command, and every insight example
 * answering non-zero. Everything is read from the clone's README, so this fails whenever the README stops being
 * true. `npm ci` in the clone prefers the npm cache (npm_config_prefer_offline) to keep CI time down.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { nonZero, readmeInsightExamples } from '../packages/server/test/readme-insights.js';
import { type ShellCommand, shellCommands } from './test/shell-commands.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const DOCUMENTED = 'http://127.0.0.1:8080';

let clone: string;
let readme: string;
let server: ChildProcess | undefined;
let output = '';
let url: string;

/** The environment of someone who just cloned: no npm lifecycle variables, no TELEMETRY_* settings. */
function newcomerEnv(port: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    // NODE_TEST_CONTEXT would make a test run in the clone report to this one instead of printing.
    if (!/^(npm_|TELEMETRY_|INIT_CWD$|PORT$|HOST$|NODE_TEST_CONTEXT$)/i.test(key)) env[key] = value;
  }
  return { ...env, PORT: String(port), npm_config_prefer_offline: 'true', npm_config_audit: 'false' };
}

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** The README's section under `heading`, up to the next `## `. */
function section(heading: string): string {
  const start = readme.indexOf(`\n${heading}\n`);
  assert.ok(start >= 0, `README has ${heading}`);
  const end = readme.indexOf('\n## ', start + heading.length + 2);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** Every command of the ```sh blocks of a section. */
function sectionCommands(heading: string): ShellCommand[] {
  return [...section(heading).matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => shellCommands(m[1]));
}

/** Polls `check` every 250 ms until it returns a value, for at most `ms`; throws with the last reason otherwise. */
async function until<T>(ms: number, check: () => Promise<T | undefined>, what: () => string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) throw new Error(`not within ${ms} ms: ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

before(async () => {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'newcomer-'));
  clone = path.join(parent, 'telemetry');
  execFileSync('git', ['clone', '-q', ROOT, clone]);
  execFileSync('git', ['-C', clone, 'remote', 'remove', 'origin']);
  readme = fs.readFileSync(path.join(clone, 'README.md'), 'utf8');
});

after(async () => {
  if (server?.pid && server.exitCode === null) {
    process.kill(-server.pid, 'SIGTERM');
    const exited = new Promise((resolve) => server?.once('exit', resolve));
    const timer = setTimeout(() => server?.pid && process.kill(-server.pid, 'SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  }
  if (clone) fs.rmSync(path.dirname(clone), { recursive: true, force: true });
});

test('the clone has no reference material beside it and no origin to find it through', () => {
  assert.equal(fs.existsSync(path.join(clone, '../shared')), false);
  assert.equal(execFileSync('git', ['-C', clone, 'remote'], { encoding: 'utf8' }).trim(), '');
});

test("the README's install-and-start command, as written, serves on the port given", { timeout: 900_000 }, async () => {
  const install = sectionCommands('## Quick start').find((c) => c.text.startsWith('npm ci'));
  assert.ok(install, 'the Quick start has an install-and-start command beginning with npm ci');
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  server = spawn('bash', ['-c', install.text], {
    cwd: clone,
    env: newcomerEnv(port),
    detached: true, // its own process group: npm, then the server it starts, stopped together
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout?.on('data', (chunk) => (output += chunk));
  server.stderr?.on('data', (chunk) => (output += chunk));
  await until(
    600_000,
    async () => {
      if (server?.exitCode !== null) throw new Error(`"${install.text}" exited ${server?.exitCode}:\n${output}`);
      const health = await fetch(`${url}/health`).catch(() => undefined);
      return health?.ok ? true : undefined;
    },
    () => `"${install.text}" is not serving ${url}:\n${output.slice(-3000)}`,
  );
  assert.match(output, new RegExp(`collecting on ${url}/v1/telemetry`));
});

test("the Quick start's curl examples answer as the README shows", async () => {
  assert.ok(url, 'the server is up');
  const examples = sectionCommands('## Quick start').filter((c) => c.argv[0] === 'curl');
  assert.ok(examples.length >= 2, 'a batch sent and a query');
  for (const example of examples) {
    assert.ok(example.answer, `the README shows the answer of ${example.text}`);
    // `…` in the README stands for a value that changes (ids, times).
    const expected = new RegExp(`^${example.answer.split('…').map(escapeRegExp).join('.+?')}$`);
    let last = '';
    // A query sees the batch once the loader has it (a second or so): asked until it does, within 20 s. A batch is
    // sent once: sent again, it would be answered as a duplicate.
    const sendsBatch = /\/v1\/telemetry$/.test(example.argv.find((a) => a.startsWith(DOCUMENTED)) ?? '');
    await until(
      sendsBatch ? 0 : 20_000,
      async () => {
        last = await replayCurl(example.argv);
        return expected.test(last) ? true : undefined;
      },
      () => `${example.text}\nanswered ${last}\nREADME shows ${example.answer}`,
    );
  }
});

test("the README's demo data command loads, and every insight example then answers non-zero", async () => {
  assert.ok(url, 'the server is up');
  const simulate = sectionCommands('## Quick start').find((c) => c.text.startsWith('npx telemetry simulate'));
  assert.ok(simulate, 'the Quick start says how to load demo data');
  // Asynchronously: a blocked event loop would keep fetch's idle sockets past the server's keep-alive timeout.
  await promisify(execFile)('bash', ['-c', simulate.text.replaceAll(DOCUMENTED, url)], {
    cwd: clone,
    env: newcomerEnv(0),
    timeout: 600_000,
  });
  const examples = readmeInsightExamples(readme);
  assert.ok(examples.length >= 7, 'one example per insight at least');
  for (const { kind, body } of examples) {
    let answer: unknown;
    // Loads and session summaries follow ingestion within seconds: asked until non-zero, within 60 s.
    await until(
      60_000,
      async () => {
        const response = await fetch(`${url}/api/insights/${kind}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }).catch((error: Error) => error);
        // A connection closed under (the server's or the machine's) load is asked again, and named if it is last.
        if (response instanceof Error) {
          answer = `${response.message}: ${(response.cause as Error | undefined)?.message}`;
          return undefined;
        }
        answer = await response.json();
        assert.equal(response.status, 200, `${kind}: ${JSON.stringify(answer)}`);
        return nonZero(kind, answer as Record<string, unknown>) ? true : undefined;
      },
      () =>
        `README ${kind} example ${JSON.stringify(body)} answered ${JSON.stringify(answer)}; server:\n${output.slice(-2000)}`,
    );
  }
});

test('the pages and scripts the README links on the server answer', async () => {
  assert.ok(url, 'the server is up');
  const links = [
    ...new Set([...readme.matchAll(/http:\/\/127\.0\.0\.1:8080(\/(?:examples|sdk)\/[\w./-]*)/g)].map((m) => m[1])),
  ];
  assert.ok(links.length >= 2, 'the README links the example quiz and the SDK bundles');
  for (const link of links) {
    const response = await fetch(`${url}${link}`);
    assert.equal(response.status, 200, link);
  }
});

test('in the clone, the oracle tests skip with a reason naming TELEMETRY_REFERENCE_DIR, and the rest pass', () => {
  const run = execFileSync(
    process.execPath,
    [
      'scripts/run-tests.mjs',
      'packages/spec/src/schemas.oracle.test.ts',
      'packages/server/test/golden-import.test.ts',
      'packages/sdk/test/events.test.ts',
    ],
    { cwd: clone, env: newcomerEnv(0), encoding: 'utf8' },
  );
  assert.match(run, /^skipped \d+ tests?: oracle suite: .*TELEMETRY_REFERENCE_DIR/m);
  assert.match(run, /^ℹ fail 0$/m);
  assert.match(run, /^ℹ pass [1-9]\d*$/m);
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Sends what a `curl` command line sends (-X, -H, -d; POST when there is a body) to our server, and returns the body. */
async function replayCurl(argv: string[]): Promise<string> {
  let target = '';
  let method: string | undefined;
  let body: string | undefined;
  const headers: Record<string, string> = {};
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-s' || arg === '-S' || arg === '-sS') continue;
    if (arg === '-X') method = argv[++i];
    else if (arg === '-H') {
      const [name, ...value] = argv[++i].split(':');
      headers[name.trim()] = value.join(':').trim();
    } else if (arg === '-d' || arg === '--data') body = argv[++i];
    else if (arg.startsWith('-')) throw new Error(`curl option ${arg} is not replayed here: add it`);
    else target = arg;
  }
  assert.ok(target.startsWith(DOCUMENTED), `${target} is on the documented server`);
  const response = await fetch(target.replace(DOCUMENTED, url), {
    method: method ?? (body ? 'POST' : 'GET'),
    headers,
    body,
  });
  return response.text();
}
