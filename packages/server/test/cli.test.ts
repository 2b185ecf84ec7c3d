/**
 * The CLI's paper cuts (issue 11, item 11): one write-key variable for server and simulator, a
 * sql --url that names what it could not reach, an import that says which lines it could not read,
 * keeps them, documents its exit codes and can send to a running server, and help texts that
 * promise nothing the code does not have.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { importCommand, importFile } from '../src/commands/import.js';
import { serveCommand } from '../src/commands/serve.js';
import { simulateCommand } from '../src/commands/simulate.js';
import { sqlCommand } from '../src/commands/sql.js';
import { openStore } from '../src/store/open-store.js';
import { eventually, interact, sql, startTestServer, tempDir } from './helpers.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.resolve(HERE, '../src/cli.ts');

/** What a command run in-process writes to stdout, and its exit code. */
async function stdoutOf(run: () => Promise<number>): Promise<{ code: number; out: string }> {
  let out = '';
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string) => {
    out += chunk;
    return true;
  }) as typeof process.stdout.write;
  try {
    return { code: await run(), out };
  } finally {
    process.stdout.write = write;
  }
}

/** Runs `fn` with environment variables set, restoring them after. */
async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** A local port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('against a server with write keys', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  before(async () => {
    server = await startTestServer({ writeKeys: ['key-one', 'key-two'] });
  });
  after(async () => {
    await server?.close();
  });

  test('simulate --url sends the first key of the server variable TELEMETRY_WRITE_KEYS', async () => {
    const code = await withEnv({ TELEMETRY_WRITE_KEYS: 'key-one,key-two' }, () =>
      simulateCommand(['--users', '3', '--seed', '5', '--url', server.url]),
    );
    assert.equal(code, 0);
    await eventually(
      async () => Number((await sql(server, "SELECT count(*) FROM events WHERE mid LIKE '%:sim-5-%'"))[0][0]) > 0,
    );
  });

  test('import --url sends to the running server; unreadable lines are named by number and kept in --rejects', async () => {
    const dir = tempDir('import-cli-');
    const file = path.join(dir, 'in.ndjson');
    const rejects = path.join(dir, 'rejects.ndjson');
    const loose = interact();
    const batched = interact();
    const lines = [
      JSON.stringify(loose),
      '{oops',
      '',
      JSON.stringify({ params: { msgid: `import-cli-${process.pid}` }, events: [batched] }),
      '[1, 2',
    ];
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const code = await withEnv({ TELEMETRY_WRITE_KEYS: 'key-two' }, () =>
      importCommand(['--url', server.url, '--rejects', rejects, '--quiet', file]),
    );
    assert.equal(code, 2, 'exit code 2: some lines were unreadable, the rest imported');
    assert.equal(fs.readFileSync(rejects, 'utf8'), '{oops\n[1, 2\n');
    const mids = [loose.mid, batched.mid].map((m) => `'${m}'`).join(',');
    await eventually(
      async () => Number((await sql(server, `SELECT count(*) FROM events WHERE mid IN (${mids})`))[0][0]) === 2,
    );
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

test('import into the store reports unreadable lines with their numbers and reasons', async () => {
  const dir = tempDir('import-file-');
  const file = path.join(dir, 'in.ndjson');
  fs.writeFileSync(
    file,
    [
      JSON.stringify(interact()),
      'nope',
      JSON.stringify({ events: 'not a list' }),
      '{"events":[],"params":{}}',
      '}',
    ].join('\n'),
  );
  const summary = await importFile(file, { dataDir: path.join(dir, 'data') });
  assert.deepEqual(
    summary.unreadable.map((u) => u.line),
    [2, 5],
  );
  assert.match(summary.unreadable[0].reason, /not JSON/);
  assert.equal(summary.badLines, 2);
  assert.equal(summary.stored, 1);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('import and sql take --data-dir; a byte-order mark opening the file is not part of its first line', async () => {
  const dir = tempDir('import-bom-');
  const file = path.join(dir, 'in.ndjson');
  const [first, second] = [interact(), interact()];
  fs.writeFileSync(file, `\uFEFF${JSON.stringify(first)}\n${JSON.stringify(second)}\n`);
  const data = path.join(dir, 'data');
  assert.equal(await importCommand(['--data-dir', data, '--quiet', file]), 0, 'every line read');
  const { code, out } = await stdoutOf(() =>
    sqlCommand(['--data-dir', data, '--json', 'SELECT mid FROM events ORDER BY mid']),
  );
  assert.equal(code, 0);
  assert.deepEqual(JSON.parse(out).rows, [[first.mid], [second.mid]].sort());
  fs.rmSync(dir, { recursive: true, force: true });
});

test('sql --url to a stopped server names the URL it could not reach', async () => {
  const port = await closedPort();
  await assert.rejects(
    sqlCommand(['--url', `http://127.0.0.1:${port}`, 'SELECT 1']),
    new RegExp(`could not reach http://127\\.0\\.0\\.1:${port}/api/sql \\(ECONNREFUSED\\)`),
  );
});

describe('help texts', () => {
  /** What a command writes to stdout for --help, in-process. */
  const commandHelp = async (run: (argv: string[]) => Promise<number>): Promise<string> => {
    const { code, out } = await stdoutOf(() => run(['--help']));
    assert.equal(code, 0);
    return out;
  };
  let helps: Record<string, string>;
  before(async () => {
    // The top-level usage runs as the real command does; each command's help in-process.
    const top = spawnSync(process.execPath, ['--conditions=development', '--import', 'tsx', CLI, '--help'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(top.status, 0, top.stderr);
    helps = {
      telemetry: top.stdout,
      serve: await commandHelp(serveCommand),
      import: await commandHelp(importCommand),
      simulate: await commandHelp(simulateCommand),
      sql: await commandHelp(sqlCommand),
    };
  });
  const texts = () => Object.values(helps);
  const help = (name: string) => helps[name];

  test('promise no dashboard and no ClickHouse while the code has neither', () => {
    const hasDashboard = fs.existsSync(path.resolve(HERE, '../../dashboard'));
    const hasClickHouse = fs.existsSync(path.resolve(HERE, '../src/store/clickhouse'));
    for (const text of texts()) {
      if (!hasDashboard) assert.doesNotMatch(text, /dashboard/i, text);
      if (!hasClickHouse) assert.doesNotMatch(text, /clickhouse/i, text);
    }
  });

  test('import documents its exit codes and options; simulate names the server key variable', () => {
    const text = help('import');
    assert.match(text, /Exit codes: 0 .*; 2 /s);
    for (const flag of ['--url', '--rejects', '--quiet']) assert.ok(text.includes(flag), flag);
    assert.match(help('simulate'), /TELEMETRY_WRITE_KEYS/);
    assert.doesNotMatch(help('simulate'), /TELEMETRY_WRITE_KEY\b/);
  });
});

test('import: a line holding bytes that are not UTF-8 stores its other events and refuses that one; --rejects keeps lines as they were', async () => {
  const dir = tempDir('import-bytes-');
  const file = path.join(dir, 'in.ndjson');
  const rejects = path.join(dir, 'rejects.ndjson');
  const [good, bad] = [interact(), interact()];
  const [head, tail] = JSON.stringify(bad).split('"submit"');
  const badLine = Buffer.concat([Buffer.from(`${head}"sub`), Buffer.from([0xff]), Buffer.from(`mit"${tail}`)]);
  const notJson = Buffer.from([0x7b, 0xff, 0x0a]); // "{", 0xFF: unreadable, and kept byte for byte
  fs.writeFileSync(
    file,
    Buffer.concat([Buffer.from(`${JSON.stringify(good)}\r\n`), badLine, Buffer.from('\n'), notJson]),
  );
  const data = path.join(dir, 'data');
  const summary = await importFile(file, { dataDir: data, rejectsFile: rejects });
  assert.deepEqual([summary.stored, summary.rejected, summary.badLines], [1, 1, 1]);
  assert.deepEqual(fs.readFileSync(rejects), notJson);
  const store = await openStore({ dataDir: data });
  try {
    assert.deepEqual((await store.query('SELECT mid FROM events')).rows, [[good.mid]]);
    assert.deepEqual((await store.query('SELECT reason FROM failed_events')).rows, [['invalid_unicode']]);
  } finally {
    await store.close();
  }
  fs.rmSync(dir, { recursive: true, force: true });
});
