/**
 * A damaged spool at start-up: the bytes recovery cannot read are set aside in spool/damaged/, never truncated or
 * deleted; the whole groups after them are loaded; a warning names the file, offset and bytes (a torn tail, expected
 * after a crash, only at TELEMETRY_LOG=info); a counter and /health's details say so, and /health stays healthy.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { batchLine, eventLine, eventLinePrefix, frameGroup } from '../src/spool/segment-format.js';
import { segmentFile } from '../src/spool/segment-recovery.js';
import { eventually, interact, sql, startTestServer, tempDir } from './helpers.js';

/** A segment of 20 groups of 10 events each (one batch per group), as the spool commits them. */
function twentyGroups(): { groups: Buffer[]; starts: number[]; segment: Buffer } {
  const groups = Array.from({ length: 20 }, (_, g) => {
    const ctx = { syncts: 1_790_000_000_000 + g, did: 'd1', msgid: `batch-${g}` };
    const prefix = eventLinePrefix(ctx);
    const events = Array.from({ length: 10 }, () => interact());
    return frameGroup(
      events.map((e) => eventLine(prefix, JSON.stringify(e), e.mid as string)).join('') + batchLine(ctx, ctx.msgid, 10),
    );
  });
  const starts: number[] = [];
  let at = 0;
  for (const g of groups) {
    starts.push(at);
    at += g.length;
  }
  return { groups, starts, segment: Buffer.concat(groups) };
}

interface Health {
  result: { details: Record<string, unknown> };
}

function metric(text: string, line: string): number {
  return Number(
    text
      .split('\n')
      .find((l) => l.startsWith(`${line} `))
      ?.split(' ')[1],
  );
}

/** Starts a server over `segment` as spool segment 1, returns what it loaded, logged, counted and reported. */
async function startOver(segment: Buffer, logLevel = 'warn') {
  const dataDir = tempDir('spool-damage-');
  const spool = path.join(dataDir, 'spool');
  fs.mkdirSync(spool, { recursive: true });
  fs.writeFileSync(segmentFile(spool, 1), segment);
  const logged: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => logged.push(args.map(String).join(' '));
  let server: Awaited<ReturnType<typeof startTestServer>>;
  try {
    server = await startTestServer({ dataDir, logLevel });
  } finally {
    console.error = original;
  }
  try {
    let health: { status: number; details: Record<string, unknown> } = { status: 0, details: {} };
    await eventually(async () => {
      const response = await fetch(`${server.url}/health`);
      health = { status: response.status, details: ((await response.json()) as Health).result.details };
      return health.details.spool_backlog_bytes === 0;
    });
    assert.equal(health.status, 200, 'set-aside bytes do not make the collector unhealthy');
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const events = Number((await sql(server, 'SELECT count(*) FROM events'))[0][0]);
    const damaged = path.join(spool, 'damaged');
    const files = fs.existsSync(damaged) ? fs.readdirSync(damaged) : [];
    const saved = files.map((name) => fs.readFileSync(path.join(damaged, name)));
    return { spool, logged, health: health.details, metrics, events, files, saved };
  } finally {
    await server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

test('a byte changed in group 11 of 20: groups 12–20 are loaded, group 11 is set aside byte for byte', async () => {
  const { groups, starts, segment } = twentyGroups();
  const damaged = Buffer.from(segment);
  damaged[starts[10] + Math.floor(groups[10].length / 2)] ^= 0x01;
  const r = await startOver(damaged);
  assert.equal(r.events, 190, 'every event but the 10 of the damaged group');
  assert.deepEqual(r.files, [`000000000001.seg.${starts[10]}.bin`]);
  assert.deepEqual(r.saved, [damaged.subarray(starts[10], starts[11])]);
  const warning = r.logged.find((l) => l.includes('warning: spool recovery'));
  assert.ok(warning, r.logged.join('\n'));
  assert.ok(warning.includes(`${groups[10].length} bytes at offset ${starts[10]} of `), warning);
  assert.ok(warning.includes(path.join(r.spool, 'damaged', r.files[0])), warning);
  assert.equal(metric(r.metrics, 'telemetry_spool_set_aside_bytes_total{cause="damaged"}'), groups[10].length);
  assert.equal(metric(r.metrics, 'telemetry_spool_set_aside_bytes_total{cause="torn_tail"}'), 0);
  assert.equal(metric(r.metrics, 'telemetry_spool_damaged_bytes'), groups[10].length);
  assert.equal(r.health.spool_damaged_files, 1);
  assert.equal(r.health.spool_damaged_bytes, groups[10].length);
});

test('a byte changed in the first group: the other 19 are loaded, the first is set aside', async () => {
  const { groups, segment } = twentyGroups();
  const damaged = Buffer.from(segment);
  damaged[groups[0].length - 20] ^= 0x01;
  const r = await startOver(damaged);
  assert.equal(r.events, 190);
  assert.deepEqual(r.files, ['000000000001.seg.0.bin']);
  assert.deepEqual(r.saved, [damaged.subarray(0, groups[0].length)]);
  assert.ok(r.logged.some((l) => l.includes(`warning: spool recovery: ${groups[0].length} bytes at offset 0 of`)));
  assert.equal(metric(r.metrics, 'telemetry_spool_set_aside_bytes_total{cause="damaged"}'), groups[0].length);
});

test('the last group cut short (a torn tail): set aside, counted, logged at info as expected after a crash', async () => {
  const { groups, starts, segment } = twentyGroups();
  const torn = segment.subarray(0, segment.length - 5);
  const quiet = await startOver(torn);
  assert.equal(quiet.events, 190);
  assert.deepEqual(quiet.saved, [torn.subarray(starts[19])]);
  assert.equal(quiet.logged.filter((l) => l.includes('spool recovery')).length, 0, 'not at the default level, warn');
  assert.equal(
    metric(quiet.metrics, 'telemetry_spool_set_aside_bytes_total{cause="torn_tail"}'),
    groups[19].length - 5,
  );
  assert.equal(metric(quiet.metrics, 'telemetry_spool_set_aside_bytes_total{cause="damaged"}'), 0);
  const info = await startOver(torn, 'info');
  const line = info.logged.find((l) => l.includes('spool recovery'));
  assert.ok(line, info.logged.join('\n'));
  assert.ok(line.includes('a partial last group, expected after a crash'), line);
  assert.ok(line.includes(`${groups[19].length - 5} bytes at offset ${starts[19]} of `), line);
});
