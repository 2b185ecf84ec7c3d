/**
 * Safe when exposed (issue 8): a networked start without an admin token is refused; the Host header is checked
 * for the API and dashboard but not for ingestion; a slow-body client is cut off; /health shows only counts
 * without the admin token; /metrics needs a token when one is set; a `?token=` never reaches the log.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { children, freePort, HOST, LAUNCH, startChild, stopChild, waitReady } from '../bench/child-process.js';
import { checkWriteKey } from '../src/api/auth.js';
import { loadConfig } from '../src/config.js';
import { checkExposure } from '../src/exposure.js';
import { interact, startTestServer } from './helpers.js';

const dirs: string[] = [];
after(() => {
  for (const child of children) child.kill('SIGKILL');
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'telemetry-safe-'));
  dirs.push(dir);
  return dir;
}

/** A request with a Host header of our choosing (fetch does not let a caller set Host). */
function request(
  url: string,
  options: { path: string; host?: string; method?: string; body?: string; headers?: Record<string, string> },
): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: options.path,
        method: options.method ?? 'GET',
        headers: { ...(options.host === undefined ? {} : { host: options.host }), ...options.headers },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('start-up', () => {
  test('an override given as undefined keeps the environment or the default (a bench passing no --store)', () => {
    assert.equal(loadConfig({}, { store: undefined }).store, 'duckdb:');
    assert.equal(loadConfig({ TELEMETRY_STORE: 'duckdb:/x.duckdb' }, { store: undefined }).store, 'duckdb:/x.duckdb');
    assert.equal(loadConfig({ PORT: '9000' }, { port: undefined, host: '127.0.0.2' }).port, 9000);
    assert.equal(loadConfig({}, { store: 'duckdb:/y.duckdb', logLevel: 'silent' }).logLevel, 'silent');
  });

  test('a number setting is plain decimal: hex, exponents and spaces are refused, not read as another number', () => {
    for (const raw of ['0x10', '1e2', ' 3', '-1', 'abc'])
      assert.throws(
        () => loadConfig({ TELEMETRY_WRITER_ID: raw }),
        /TELEMETRY_WRITER_ID must be a whole number from 0 to 1023, got/,
      );
    assert.equal(loadConfig({ TELEMETRY_SUMMARIZE_INTERVAL_MS: '1500' }).summarizeIntervalMs, 1500);
    assert.throws(() => loadConfig({ TELEMETRY_WRITER_ID: '1' }), /a DuckDB store has one writer/);
  });

  test('every number setting is refused at start outside its range, by one rule naming the variable and the range', () => {
    const timer = 2 ** 31 - 1; // past it, Node fires a timer after 1 ms
    const forward = { TELEMETRY_FORWARD_POSTHOG_HOST: 'https://us.i.posthog.com', TELEMETRY_FORWARD_POSTHOG_KEY: 'k' };
    // [variable, smallest, largest (undefined: none), other settings it needs]
    const ranges: [string, number, number | undefined, Record<string, string>?][] = [
      ['TELEMETRY_MAX_BODY_BYTES', 1, undefined],
      ['TELEMETRY_MAX_INFLATED_BYTES', 1, 16 * 1024 * 1024],
      ['TELEMETRY_MAX_BATCH_EVENTS', 1, undefined],
      ['TELEMETRY_CLOCK_SKEW_MS', 0, undefined],
      ['TELEMETRY_MAX_EVENT_BYTES', 1, undefined],
      ['TELEMETRY_MAX_DEPTH', 1, 1000],
      ['TELEMETRY_SPOOL_ROTATE_MS', 1, timer],
      ['TELEMETRY_SUMMARIZE_INTERVAL_MS', 1, timer],
      ['TELEMETRY_SQL_MAX_ROWS', 1, undefined],
      ['TELEMETRY_SQL_TIMEOUT_MS', 1, timer],
      ['TELEMETRY_QUERY_MAX_BYTES', 1, undefined],
      ['TELEMETRY_QUERY_CONCURRENCY', 1, undefined],
      ['TELEMETRY_QUERY_QUEUE', 0, undefined],
      ['TELEMETRY_DUCKDB_THREADS', 1, undefined],
      ['TELEMETRY_WRITER_ID', 0, 1023],
      ['TELEMETRY_SHUTDOWN_TIMEOUT_MS', 1, timer],
      ['TELEMETRY_HEALTH_MAX_LAG_MS', 1, timer],
      ['TELEMETRY_REQUEST_TIMEOUT_MS', 1, timer],
      ['TELEMETRY_IDLE_TIMEOUT_MS', 1, timer],
      ['TELEMETRY_FORWARD_POSTHOG_BATCH', 1, undefined, forward],
      ['TELEMETRY_FORWARD_POSTHOG_RETRY_MS', 1, 60_000, forward],
      ['TELEMETRY_FORWARD_POSTHOG_THREADS', 0, undefined, forward],
    ];
    for (const [name, min, max, needs = {}] of ranges) {
      const range = max === undefined ? `of at least ${min}` : `from ${min} to ${max}`;
      const refused = [String(min - 1), `${min}.5`, '-1', ...(max === undefined ? [] : [String(max + 1)])];
      for (const raw of refused) {
        const message = `${name} must be a whole number ${range}, got "${raw}"`;
        assert.throws(() => loadConfig({ ...needs, [name]: raw }), { message }, `${name}=${raw}`);
      }
      // The bounds themselves start (a DuckDB store has writer 0 only: its largest is ClickHouse's).
      for (const raw of [min, ...(max === undefined || name === 'TELEMETRY_WRITER_ID' ? [] : [max])])
        assert.doesNotThrow(() => loadConfig({ ...needs, [name]: String(raw) }), `${name}=${raw}`);
    }
    // The flags' and callers' values (overrides) pass the same rule, named by the variable they stand for.
    assert.throws(() => loadConfig({}, { maxBatchEvents: 0 }), {
      message: 'TELEMETRY_MAX_BATCH_EVENTS must be a whole number of at least 1, got "0"',
    });
    assert.throws(() => loadConfig({}, { port: 70_000 }), /PORT must be a whole number from 0 to 65535, got "70000"/);
    assert.throws(
      () => loadConfig(forward, { forwardPostHog: { ...loadConfig(forward).forwardPostHog!, batchSize: 0 } }),
      { message: 'TELEMETRY_FORWARD_POSTHOG_BATCH must be a whole number of at least 1, got "0"' },
    );
  });

  test('TELEMETRY_MAX_LEVEL and TELEMETRY_LOG are checked with the other settings, before anything is opened', () => {
    assert.throws(
      () => loadConfig({ TELEMETRY_MAX_LEVEL: 'superfull' }),
      /unknown telemetry level "superfull" in TELEMETRY_MAX_LEVEL/,
    );
    assert.throws(() => loadConfig({ TELEMETRY_MAX_LEVEL: 'basic,chanA=' }), /TELEMETRY_MAX_LEVEL/);
    assert.equal(loadConfig({ TELEMETRY_MAX_LEVEL: 'basic,chanA=full' }).maxLevel, 'basic,chanA=full');
    // The log level too: Fastify refused it only once the store and spool were made.
    assert.throws(() => loadConfig({ TELEMETRY_LOG: 'bogus' }), {
      message: 'TELEMETRY_LOG must be info, warn or silent (or fatal, error, debug, trace), got "bogus"',
    });
    for (const level of ['info', 'warn', 'silent', 'error', 'debug'])
      assert.equal(loadConfig({ TELEMETRY_LOG: level }).logLevel, level);
  });

  test('the DuckDB memory limits are sizes DuckDB reads, checked at start naming the variable', () => {
    for (const name of ['TELEMETRY_DUCKDB_MEMORY', 'TELEMETRY_DUCKDB_INGEST_MEMORY']) {
      // Before: the ingest limit's "bogus" was read as no limit to drop to, silently; the other was DuckDB's to refuse.
      for (const raw of ['bogus', '256', '80%', '-1', '0MB', '1,5GB', '1PB']) {
        const message = `${name} must be a size with a unit (KB, MB, GB, TB or KiB, MiB, GiB, TiB), e.g. 256MB or 1.5GB, got "${raw}"`;
        assert.throws(() => loadConfig({ [name]: raw }), { message }, `${name}=${raw}`);
      }
      for (const raw of ['256MB', '1GB', '512MiB', '1.5GB', '1.5gb', '64 mb', '2GiB'])
        assert.doesNotThrow(() => loadConfig({ [name]: raw }), `${name}=${raw}`);
    }
    // An override (a bench's flag) passes the same rule.
    assert.throws(
      () => loadConfig({}, { duckdbIngestMemory: 'lots' }),
      /TELEMETRY_DUCKDB_INGEST_MEMORY must be a size/,
    );
    assert.deepEqual(
      [loadConfig({}).duckdbMemory, loadConfig({}).duckdbIngestMemory],
      ['256MB', '64MB'],
      'unset: the defaults',
    );
  });

  test('a networked HOST without an admin token is refused before anything is bound, unless TELEMETRY_ALLOW_OPEN=1', async () => {
    await assert.rejects(
      startTestServer({ host: '0.0.0.0', dataDir: tempDir() }),
      /TELEMETRY_ADMIN_TOKEN.*TELEMETRY_ALLOW_OPEN=1/s,
    );
    const open = checkExposure(loadConfig({ HOST: '0.0.0.0', TELEMETRY_ALLOW_OPEN: '1' }));
    assert.equal(open.refusal, undefined);
    assert.match(open.warnings.join('\n'), /TELEMETRY_ALLOW_OPEN=1: the API and SQL are open/);
    const guarded = checkExposure(
      loadConfig({ HOST: '0.0.0.0', TELEMETRY_ADMIN_TOKEN: 't', TELEMETRY_WRITE_KEYS: 'k' }),
    );
    assert.deepEqual(guarded, { warnings: [] });
    assert.equal(checkExposure(loadConfig({ HOST: '127.0.0.1' })).refusal, undefined);
  });

  test('`telemetry serve` on 0.0.0.0 without a token exits 1 saying why; on loopback it warns of open ingestion', async () => {
    const port = await freePort();
    const refused = startChild(
      'serve',
      [...LAUNCH, 'serve'],
      { PORT: String(port), HOST: '0.0.0.0', TELEMETRY_DATA_DIR: tempDir() },
      port,
    );
    // Bounded: a server that starts anyway would otherwise keep this test waiting forever instead of failing.
    const exited = await Promise.race([
      refused.exited,
      new Promise<string>((resolve) => setTimeout(() => resolve('still running after 60 s'), 60_000).unref()),
    ]);
    assert.equal(exited, 1);
    assert.match(refused.output(), /HOST=0\.0\.0\.0 serves the network.*TELEMETRY_ALLOW_OPEN=1/s);

    const okPort = await freePort();
    const started = startChild(
      'serve',
      [...LAUNCH, 'serve'],
      {
        PORT: String(okPort),
        HOST,
        TELEMETRY_DATA_DIR: tempDir(),
        TELEMETRY_LOG: 'info',
        TELEMETRY_ADMIN_TOKEN: 'sekrit-admin-token',
      },
      okPort,
    );
    try {
      await waitReady(started, '/health', 60_000, (status) => status === 200);
      assert.match(started.output(), /warning: no TELEMETRY_WRITE_KEYS/);
      // The access log at info level: the admin token in ?token= is redacted, the request is still logged.
      const answer = await fetch(`${started.url}/api/events?limit=1&token=sekrit-admin-token`);
      assert.equal(answer.status, 200);
      await answer.text();
      // The log line arrives through the child's stdout pipe when it arrives: polled (bounded), not a fixed wait.
      const logged = /\/api\/events\?limit=1&token=\[redacted\]/;
      for (let waited = 0; !logged.test(started.output()) && waited < 30_000; waited += 100)
        await new Promise((resolve) => setTimeout(resolve, 100));
      assert.match(started.output(), logged);
      assert.doesNotMatch(started.output(), /sekrit-admin-token/);
    } finally {
      await stopChild(started, 30_000);
    }
  });
});

describe('a running server', async () => {
  const server = await startTestServer({ adminToken: 'tok', metricsToken: 'scrape', requestTimeoutMs: 1000 });
  after(() => server.close());
  const port = new URL(server.url).port;

  test('the API and dashboard answer only configured Host names; ingestion and /health answer any', async () => {
    const auth = { authorization: 'Bearer tok' };
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, 'LOCALHOST']) {
      assert.equal((await request(server.url, { path: '/api/events?limit=1', host, headers: auth })).status, 200, host);
    }
    for (const host of [`evil.example:${port}`, 'evil.example', `127.0.0.1.evil.example:${port}`]) {
      const answer = await request(server.url, { path: '/api/events?limit=1', host, headers: auth });
      assert.equal(answer.status, 403, host);
      assert.equal(JSON.parse(answer.body).params.err, 'HOST_NOT_ALLOWED');
    }
    assert.equal((await request(server.url, { path: '/examples/quiz/', host: 'evil.example' })).status, 403);
    const ingest = await request(server.url, {
      path: '/v1/telemetry',
      method: 'POST',
      host: 'evil.example',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ events: [interact()] }),
    });
    assert.equal(ingest.status, 200);
    assert.equal((await request(server.url, { path: '/health', host: 'evil.example' })).status, 200);
  });

  test('a client sending its body at a crawl is cut off with a 408, and the server keeps serving', async () => {
    const socket = net.connect(Number(port), '127.0.0.1');
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => {
      received += chunk;
    });
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write(
      `POST /v1/telemetry HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{`,
    );
    let sent = 0;
    const drip = setInterval(() => {
      if (!socket.destroyed) socket.write(' ');
      sent++;
    }, 200);
    // Generous: the drip would go on for 20,000 s; the server cuts it within its check interval.
    const cut = await Promise.race([closed.then(() => true), new Promise((r) => setTimeout(() => r(false), 60_000))]);
    clearInterval(drip);
    socket.destroy();
    assert.equal(cut, true, 'the slow client was never cut off');
    assert.ok(sent < 100_000);
    assert.match(received, /^HTTP\/1\.1 408/);
    assert.equal((await fetch(`${server.url}/health`)).status, 200);
  });

  test('/health without the admin token shows status, reason codes and counts only; with it, the details', async () => {
    const open = (await (await fetch(`${server.url}/health`)).json()) as { result: Record<string, unknown> };
    const { details, ...rest } = open.result as { details: Record<string, unknown> };
    assert.deepEqual(Object.keys(rest).sort(), ['healthy', 'reasons']);
    assert.ok(Object.keys(details).length > 0);
    for (const [key, value] of Object.entries(details)) assert.equal(typeof value, 'number', key);
    const full = (await (await fetch(`${server.url}/health`, { headers: { authorization: 'Bearer tok' } })).json()) as {
      result: { details: Record<string, unknown> };
    };
    assert.equal(full.result.details.store, 'ok');
    assert.ok('loader_error' in full.result.details && 'spool_error' in full.result.details);
  });

  test('/metrics needs the scrape token or the admin token when either is set', async () => {
    const metrics = (token?: string) =>
      fetch(`${server.url}/metrics`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    assert.equal((await metrics()).status, 401);
    assert.equal((await metrics('wrong')).status, 403);
    for (const token of ['scrape', 'tok']) {
      const answer = await metrics(token);
      assert.equal(answer.status, 200);
      assert.match(await answer.text(), /telemetry_events_received_total/);
    }
  });
});

test('a write key is accepted from any place a client puts it, and refused clearly when wrong or missing', async () => {
  assert.doesNotThrow(() => checkWriteKey([], undefined));
  assert.doesNotThrow(() => checkWriteKey(['k1', 'k2'], 'k2'));
  assert.throws(() => checkWriteKey(['k1'], undefined), { code: 'AUTH_REQUIRED' });
  assert.throws(() => checkWriteKey(['k1'], 'k3'), { code: 'AUTH_INVALID' });
  const server = await startTestServer({ writeKeys: ['app-key'] });
  try {
    const post = (headers: Record<string, string>) =>
      fetch(`${server.url}/v1/telemetry`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ events: [interact()] }),
      });
    // The Sunbird SDK sends its authtoken as a Bearer header.
    assert.equal((await post({ authorization: 'Bearer app-key' })).status, 200);
    assert.equal((await post({ 'x-api-key': 'app-key' })).status, 200);
    assert.equal((await post({})).status, 401);
    assert.equal((await post({ authorization: 'Bearer other' })).status, 403);
  } finally {
    await server.close();
  }
});
