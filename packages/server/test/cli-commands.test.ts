// The sql and simulate commands (as child processes) and import of loose events, on a data directory (issue 10).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { importFile } from '../src/commands/import.js';
import { serveOptions } from '../src/commands/serve.js';
import { eventually, interact, postBatch, sql, startTestServer, tempDir } from './helpers.js';

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/cli.ts');

/** The node arguments that run `telemetry …args` from source. */
const cliArgs = (args: string[]) => ['--conditions=development', '--import', 'tsx', CLI, ...args];

/** Runs `telemetry …args` in a child process with `env` added: the commands write to the process's stdout. */
function runWith(env: Record<string, string>, ...args: string[]): { code: number; out: string; err: string } {
  const child = spawnSync(process.execPath, cliArgs(args), {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: child.status ?? -1, out: child.stdout, err: child.stderr };
}

/** Runs `telemetry …args` on `dataDir`. */
const run = (dataDir: string, ...args: string[]) => runWith({ TELEMETRY_DATA_DIR: dataDir }, ...args);

/** `run` without blocking the event loop: for a command that talks to a server running in this process. */
function runAsync(dataDir: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const child = spawn(process.execPath, cliArgs(args), {
    env: { ...process.env, TELEMETRY_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk;
  });
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk;
  });
  return new Promise((resolve) => child.once('close', (code) => resolve({ code: code ?? -1, out, err })));
}

test('import: loose events one per line are stored like a batch, duplicates across lines counted once', async () => {
  const dir = tempDir('import-loose-');
  const file = path.join(dir, 'loose.ndjson');
  const [a, b, c] = [interact(), interact(), interact()];
  const batch = { id: 'api.sunbird.telemetry', ver: '3.0', params: { msgid: 'loose-batch' }, events: [c] };
  fs.writeFileSync(file, [a, b, a, batch, { eid: 'INTERACT', mid: 'bad' }].map((v) => JSON.stringify(v)).join('\n'));
  const dataDir = path.join(dir, 'data');
  const summary = await importFile(file, { dataDir });
  assert.deepEqual(
    [summary.lines, summary.batches, summary.badLines, summary.stored, summary.duplicates, summary.rejected],
    [5, 1, 0, 3, 1, 1],
  );
  const { code, out } = run(
    dataDir,
    'sql',
    '--json',
    'SELECT mid FROM events UNION ALL SELECT mid FROM failed_events ORDER BY mid',
  );
  assert.equal(code, 0);
  assert.deepEqual(JSON.parse(out).rows, [[a.mid], [b.mid], ['bad'], [c.mid]].sort());
  fs.rmSync(dir, { recursive: true, force: true });
});

test('sql: a table on the store file, the read-only rules, and --help', async () => {
  const dataDir = tempDir('sql-cmd-');
  const file = path.join(dataDir, 'one.ndjson');
  fs.writeFileSync(file, JSON.stringify(interact({ mid: 'sql-cmd-1' })));
  await importFile(file, { dataDir });
  const table = run(dataDir, 'sql', 'SELECT mid, eid FROM events');
  assert.equal(table.code, 0);
  assert.match(table.out, /^mid\s+│ eid\s*\n/);
  assert.match(table.out, /sql-cmd-1 │ INTERACT/);
  assert.match(table.out, /\(1 rows\)\n$/);
  const write = run(dataDir, 'sql', 'DELETE FROM events');
  assert.notEqual(write.code, 0);
  assert.match(write.err, /SELECT/);
  assert.match(run(dataDir, 'sql', '--json', 'SELECT count(*) AS n FROM events').out, /"rows":\[\[1\]\]/);
  // Rows cut off by a limit are said to be, with the limit's name: a table alone would look whole.
  const cut = runWith({ TELEMETRY_DATA_DIR: dataDir, TELEMETRY_SQL_MAX_ROWS: '2' }, 'sql', 'SELECT * FROM range(5)');
  assert.equal(cut.code, 0);
  assert.match(cut.out, /\(2 rows; cut off at TELEMETRY_SQL_MAX_ROWS: add a LIMIT or aggregate to see the rest\)\n$/);
  assert.match(run(dataDir, 'sql', 'SELECT * FROM range(5)').out, /\(5 rows\)\n$/);
  const help = run(dataDir, 'sql', '--help');
  assert.deepEqual([help.code, /^usage: telemetry sql/.test(help.out)], [0, true]);
  // A mistyped data directory is no store: said so, and nothing is created there.
  const typo = path.join(dataDir, 'typo');
  const missing = run(typo, 'sql', 'SELECT 1');
  assert.notEqual(missing.code, 0);
  assert.match(missing.err, new RegExp(`no store at ${path.join(typo, 'telemetry.duckdb')}`));
  assert.ok(!fs.existsSync(typo));
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('simulate --data-dir loads what its ground truth counts, into the store TELEMETRY_STORE names', async () => {
  const dir = tempDir('simulate-cmd-');
  const dataDir = path.join(dir, 'data');
  const env = { TELEMETRY_DATA_DIR: dataDir, TELEMETRY_STORE: `duckdb:${path.join(dir, 'elsewhere.duckdb')}` };
  const truthFile = path.join(dir, 'truth.json');
  const args = ['--events', '300', '--days', '3', '--seed', '7', '--truth', truthFile];
  assert.equal(runWith(env, 'simulate', ...args).code, 0);
  assert.ok(fs.existsSync(path.join(dir, 'elsewhere.duckdb')));
  assert.ok(!fs.existsSync(path.join(dataDir, 'telemetry.duckdb')), 'the data directory keeps only the spool');
  const { truth } = JSON.parse(fs.readFileSync(truthFile, 'utf8')) as { truth: { events: number; invalid: number } };
  assert.ok(truth.events >= 300);
  const { out } = runWith(
    env,
    'sql',
    '--json',
    'SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM failed_events)',
  );
  assert.deepEqual(JSON.parse(out).rows, [[truth.events - truth.invalid, truth.invalid]]);
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The collector's counts in the line `simulate --url` prints: [stored, duplicates]. */
function storedAndDuplicates(out: string): [number, number] {
  const counts = /stored (\d+), duplicates (\d+)/.exec(out);
  assert.ok(counts, `no counts in: ${out}`);
  return [Number(counts[1]), Number(counts[2])];
}

test('simulate --url: a larger run after a smaller one with the same seed stores exactly the larger run', async () => {
  const dir = tempDir('simulate-url-');
  const server = await startTestServer({ dataDir: path.join(dir, 'served') });
  try {
    // A past range, so both runs and the fast path generate the same events whatever the wall clock.
    const range = ['--days', '3', '--start', '2025-03-03', '--seed', '5'];
    const small = await runAsync(dir, 'simulate', '--users', '2', ...range, '--url', server.url);
    assert.equal(small.code, 0, small.err);
    const large = await runAsync(dir, 'simulate', '--users', '6', ...range, '--url', server.url);
    assert.equal(large.code, 0, large.err);

    // The larger run alone, loaded by the fast path into another data directory.
    const alone = path.join(dir, 'alone');
    assert.equal(run(alone, 'simulate', '--users', '6', ...range).code, 0);
    const query = 'SELECT mid, raw FROM events ORDER BY mid';
    const expected = JSON.parse(run(alone, 'sql', '--json', query).out).rows as unknown[][];
    // Stored is durable in the spool; wait until the loader has put every acknowledged event in the table.
    const [smallStored] = storedAndDuplicates(small.out);
    const [largeStored, largeDuplicates] = storedAndDuplicates(large.out);
    const count = async () => Number((await sql(server, 'SELECT count(*) FROM events'))[0][0]);
    await eventually(async () => (await count()) >= smallStored + largeStored);
    const stored = await sql(server, query);
    const storedMids = new Set(stored.map(([mid]) => mid));
    assert.deepEqual(
      expected.filter(([mid]) => !storedMids.has(mid)).map(([mid]) => mid),
      [],
      'events of the larger run that were not stored',
    );
    assert.deepEqual(stored, expected);
    // The second run reports the small run's events as duplicates, says why, and the rest as stored.
    assert.match(large.out, /duplicates \d+ \(mids already stored, e\.g\. by an earlier run with seed 5:/);
    assert.deepEqual([largeStored, largeDuplicates], [expected.length - smallStored, smallStored]);
  } finally {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('serve: --port, --host and --data-dir override the environment; a bad port or an unknown flag is refused', async () => {
  assert.deepEqual(serveOptions(['--port', '0', '--host', '127.0.0.2', '--data-dir', 'x']), {
    port: 0,
    host: '127.0.0.2',
    dataDir: path.resolve('x'),
  });
  assert.deepEqual(serveOptions(['-h']), { help: true });
  for (const bad of ['abc', '65536', '-1', '8080.5', '']) {
    assert.throws(() => serveOptions([`--port=${bad}`]), /--port must be a whole number from 0 to 65535/, bad);
  }
  assert.throws(() => serveOptions(['--prot', '9000']), /--prot/);
  assert.throws(() => serveOptions(['9000']), /argument/);

  const dir = tempDir('serve-cmd-');
  const refused = run(dir, 'serve', '--port', 'abc');
  assert.deepEqual(
    [refused.code, refused.err],
    [1, 'telemetry: --port must be a whole number from 0 to 65535, got "abc"\n'],
  );
  const badEnv = spawnSync(process.execPath, ['--conditions=development', '--import', 'tsx', CLI, 'serve'], {
    env: { ...process.env, TELEMETRY_DATA_DIR: dir, PORT: '80a' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.match(badEnv.stderr, /PORT must be a whole number from 0 to 65535, got "80a"/);

  // Started for real on a free port and the flag's data directory: it answers /health there, then stops on SIGTERM.
  const dataDir = path.join(dir, 'flag-data');
  const child = spawn(
    process.execPath,
    ['--conditions=development', '--import', 'tsx', CLI, 'serve', '--port', '0', '--data-dir', dataDir],
    { env: { ...process.env, TELEMETRY_DATA_DIR: path.join(dir, 'env-data') }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${out}`)), 120_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk;
      const found = /collecting on (http:\/\/127\.0\.0\.1:\d+)\/v1\/telemetry \(data in (.*); store (.*)\)/.exec(out);
      if (found) {
        clearTimeout(timer);
        assert.deepEqual(found.slice(2), [dataDir, path.join(dataDir, 'telemetry.duckdb')]);
        resolve(found[1]);
      }
    });
  });
  assert.equal((await fetch(`${url}/health`)).status, 200);
  // Its stdout a closed pipe (`serve | head`): the stop still runs whole, and saves the mid snapshot of what it stored.
  child.stdout.destroy();
  const event = interact();
  assert.equal((await postBatch({ url }, { events: [event] })).status, 200);
  await eventually(
    async () => (await sql({ url }, `SELECT count(*) FROM events WHERE mid = '${event.mid}'`))[0][0] === 1,
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
  assert.ok(fs.existsSync(path.join(dataDir, 'mids.snapshot')), 'a clean stop');
  assert.ok(!fs.existsSync(path.join(dir, 'env-data')));
  fs.rmSync(dir, { recursive: true, force: true });
});

test('serve: a setting out of range is one line and exit 1, before the store or spool is created', () => {
  for (const [env, message] of [
    [{ TELEMETRY_MAX_LEVEL: 'superfull' }, 'unknown telemetry level "superfull" in TELEMETRY_MAX_LEVEL'],
    [{ TELEMETRY_MAX_BATCH_EVENTS: '0' }, 'TELEMETRY_MAX_BATCH_EVENTS must be a whole number of at least 1, got "0"'],
    [
      { TELEMETRY_DUCKDB_MEMORY: 'bogus' },
      'TELEMETRY_DUCKDB_MEMORY must be a size with a unit (KB, MB, GB, TB or KiB, MiB, GiB, TiB), e.g. 256MB or 1.5GB, got "bogus"',
    ],
    [
      { TELEMETRY_LOG: 'bogus' },
      'TELEMETRY_LOG must be info, warn or silent (or fatal, error, debug, trace), got "bogus"',
    ],
  ] as const) {
    const dataDir = tempDir('serve-refused-');
    const refused = runWith({ ...env, TELEMETRY_DATA_DIR: dataDir }, 'serve', '--port', '0');
    assert.deepEqual([refused.code, refused.err, refused.out], [1, `telemetry: ${message}\n`, ''], message);
    assert.deepEqual(fs.readdirSync(dataDir), [], 'no database, no spool');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test("the command keeps DuckDB's freed memory 10 s before giving it back; a user's DUCKDB_JE_MALLOC_CONF still wins", () => {
  const dir = tempDir('cli-allocator-');
  assert.equal(run(dir, 'simulate', '--events', '200').code, 0);
  // jemalloc prints its options at exit with stats_print; the last value of each option is the one it took.
  const options = (env: string) => {
    const { code, err } = runWith({ TELEMETRY_DATA_DIR: dir, DUCKDB_JE_MALLOC_CONF: env }, 'sql', 'SELECT 1');
    assert.equal(code, 0, err);
    return [...err.matchAll(/^\s*opt\.(dirty|muzzy)_decay_ms: (-?\d+)/gm)].map((m) => `${m[1]} ${m[2]}`);
  };
  assert.deepEqual(options('stats_print:true'), ['dirty 10000', 'muzzy 0']);
  assert.deepEqual(options('stats_print:true,dirty_decay_ms:2000'), ['dirty 2000', 'muzzy 0']);
});
