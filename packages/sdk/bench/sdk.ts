/**
 * bench:sdk — CPU cost per event of interact() (create + enqueue, including the batch flush it leads to) for our
 * client and for @project-sunbird/telemetry-sdk 2.0.1, in the same process. Both send batches of 1000 to a no-op
 * sink (our transport, Sunbird's dispatcher), so no network time is measured. The loop yields every 1000 events,
 * as a real app does between user actions, so each SDK's own flush runs. Last line: one JSON object.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { createTelemetry } from '../src/index.js';

const root = path.resolve(import.meta.dirname, '..');
const EVENTS = Number(process.env.BENCH_EVENTS || 100_000);
const ROUNDS = 5;
const yieldNow = () => new Promise((r) => setImmediate(r));
const edata = (i: number) => ({
  type: 'TOUCH',
  id: 'option-' + (i % 4),
  pageid: 'quiz-q' + (i % 10),
  extra: { pos: [{ x: i, y: 2 }] },
});
const config = {
  pdata: { id: 'bench.portal', ver: '1.0', pid: 'bench' },
  env: 'quiz',
  channel: 'bench-channel',
  did: 'device-xyz',
  uid: 'user-1',
  sid: 'session-1',
};

/** CPU microseconds (user + system) per event over `n` calls, yielding every 1000. */
async function measure(n: number, call: (i: number) => void): Promise<number> {
  const before = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    call(i);
    if (i % 1000 === 999) await yieldNow();
  }
  await yieldNow();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / n;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  let sent = 0;
  const ours = createTelemetry({
    ...config,
    batchSize: 1000,
    flushIntervalMs: 60_000,
    maxQueueSize: 10_000,
    sessionEvents: false,
    transport: async (r) => {
      sent += r.body.length > 0 ? 1 : 0;
      return { status: 200 };
    },
  });
  const quiet = console.log;
  console.log = () => {};
  const sunbird = createRequire(import.meta.url)('@project-sunbird/telemetry-sdk').$t;
  sunbird.initialize({
    ...config,
    batchsize: 1000,
    host: 'http://127.0.0.1:9',
    dispatcher: { dispatch: () => sent++ },
  });
  console.log = quiet;

  // Warm both up so the JIT has settled before anything is timed.
  await measure(20_000, (i) => ours.interact(edata(i)));
  await measure(20_000, (i) => sunbird.interact(edata(i)));
  const o: number[] = [];
  const s: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    o.push(await measure(EVENTS, (i) => ours.interact(edata(i))));
    s.push(await measure(EVENTS, (i) => sunbird.interact(edata(i))));
  }
  await ours.flush();
  const oursUs = median(o);
  const sunbirdUs = median(s);
  console.log(`ours:    ${oursUs.toFixed(3)} µs/event (rounds ${o.map((x) => x.toFixed(2)).join(', ')})`);
  console.log(`sunbird: ${sunbirdUs.toFixed(3)} µs/event (rounds ${s.map((x) => x.toFixed(2)).join(', ')})`);
  console.log(`stats: ours ${JSON.stringify(ours.stats())}, batches handed to sinks ${sent}`);

  if (!fs.existsSync(path.join(root, 'dist/telemetry.min.js')))
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root });
  const { sizes } = await import('../scripts/build.mjs');
  const size = sizes();
  console.log(
    JSON.stringify({
      bench: 'sdk',
      ours_us_per_event: Number(oursUs.toFixed(3)),
      sunbird_us_per_event: Number(sunbirdUs.toFixed(3)),
      ratio: Number((oursUs / sunbirdUs).toFixed(3)),
      iife_gzip_bytes: size['telemetry.min.js'].gzip,
      iife_autocapture_gzip_bytes: size['telemetry-autocapture.min.js'].gzip,
    }),
  );
  process.exit(0);
}

main();
