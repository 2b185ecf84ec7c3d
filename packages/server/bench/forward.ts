/**
 * `npm run bench:forward`: how fast the PostHog forwarder sends stored events to a local PostHog-format `/batch/`
 * server (bench/posthog-sink.ts, its own process), gzipped, and the forwarder's CPU share (CPU time of this process
 * over wall time, 1.0 = one core busy; the fake PostHog's is reported beside it). The store is filled first (Sunbird-shaped INTERACT events, ~440 bytes, bulk
 * loaded); then the forwarder runs from cursor 0 until nothing is left. Bounded: FORWARD_BENCH_EVENTS (default
 * 200000) events, at most 120 s of forwarding. The last line is one JSON object. FORWARD_BENCH_CPU_PROF=FILE
 * writes a V8 CPU profile of the forwarding alone (summarise it with bench/cpuprofile-top.ts; the encoding workers'
 * are not in it). FORWARD_BENCH_THREADS (default 1, as the server): the forwarder's encoding worker threads.
 */
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { Forwarder } from '../src/sinks/posthog/forwarder.js';
import { eventLine, eventLinePrefix, frameGroup } from '../src/spool/segment-format.js';
import { segmentFile } from '../src/spool/segment-recovery.js';
import { openStore } from '../src/store/open-store.js';
import { BatchFactory } from './batch.js';
import { freePort, startChild, stopChild, waitReady } from './child-process.js';

const EVENTS = Number(process.env.FORWARD_BENCH_EVENTS ?? 200_000);
const BATCH = Number(process.env.FORWARD_BENCH_BATCH ?? 2000);
const THREADS = Number(process.env.FORWARD_BENCH_THREADS ?? 1);
const LIMIT_MS = 120_000;
const SEGMENT_EVENTS = 50_000;

/** CPU seconds (user + system) a process has used so far, from /proc (Linux; 0 elsewhere). */
function cpuSeconds(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return 0;
  }
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'telemetry-bench-forward-'));
const spoolDir = path.join(dir, 'spool');
fs.mkdirSync(spoolDir);
const port = await freePort();
const sink = startChild(
  'posthog-sink',
  ['--import', 'tsx', 'packages/server/bench/posthog-sink.ts'],
  { PORT: String(port) },
  port,
);
try {
  await waitReady(sink, '/count', 30_000);
  const store = await openStore({
    url: `duckdb:${path.join(dir, 'bench.duckdb')}`,
    spoolDir,
    duckdb: { threads: 2, memoryLimit: '512MB' },
  });
  // Fill: segments of Sunbird-shaped events, bulk-loaded as the loader does.
  const factory = new BatchFactory(100);
  const prefix = eventLinePrefix({ syncts: Date.now() });
  let segment = 0;
  for (let done = 0; done < EVENTS; ) {
    let records = '';
    const until = Math.min(EVENTS, done + SEGMENT_EVENTS);
    while (done < until) {
      for (const event of (JSON.parse(factory.next()) as { events: { mid: string }[] }).events) {
        if (done >= until) break;
        records += eventLine(prefix, JSON.stringify(event), event.mid);
        done++;
      }
    }
    const file = segmentFile(spoolDir, ++segment);
    fs.writeFileSync(file, frameGroup(records));
    await store.loadSegment(file, segment);
    fs.rmSync(file);
  }
  process.stderr.write(`bench:forward: ${EVENTS} events stored; forwarding in batches of ${BATCH}\n`);

  const forwarder = new Forwarder(store, {
    host: `http://127.0.0.1:${port}`,
    apiKey: 'phc_bench',
    channels: [],
    eids: [],
    naming: 'eid',
    batchSize: BATCH,
    pollMs: 1000,
    retryMs: 100,
    maxRetryMs: 1000,
    timeoutMs: 30_000,
    encodeThreads: THREADS,
  });
  // FORWARD_BENCH_CPU_PROF=FILE: a V8 CPU profile of the forwarding alone (not the fill), for cpuprofile-top.ts.
  const profFile = process.env.FORWARD_BENCH_CPU_PROF;
  const inspector = profFile ? new Session() : undefined;
  if (inspector) {
    inspector.connect();
    await inspector.post('Profiler.enable');
    await inspector.post('Profiler.start');
  }
  const started = performance.now();
  const cpu = process.cpuUsage();
  const sinkCpu = cpuSeconds(sink.pid);
  let forwarded = 0;
  while (performance.now() - started < LIMIT_MS) {
    const n = await forwarder.forwardNext();
    if (n === 0) break;
    forwarded += n;
  }
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const sinkUsed = cpuSeconds(sink.pid) - sinkCpu;
  if (inspector && profFile) {
    const { profile } = await inspector.post('Profiler.stop');
    fs.writeFileSync(profFile, JSON.stringify(profile));
    inspector.disconnect();
  }
  await forwarder.stop();
  const received = (await (await fetch(`http://127.0.0.1:${port}/count`)).json()) as { events: number; bad: number };
  await store.close();
  const result = {
    bench: 'forward',
    events_per_s: Math.round(forwarded / seconds),
    events: forwarded,
    received: received.events,
    malformed: received.bad,
    batch: BATCH,
    encode_threads: THREADS,
    gzip: true,
    seconds: Number(seconds.toFixed(2)),
    forwarder_cpu_share: Number(((used.user + used.system) / 1e6 / seconds).toFixed(2)),
    // CPU per event (store read, mapping, uuid, JSON, gzip): what a free core would allow, 1e6 / it events/s.
    cpu_us_per_event: Number(((used.user + used.system) / forwarded).toFixed(1)),
    // The fake PostHog's own CPU (gunzip, JSON.parse, checks), in its process: not the forwarder's, but on this machine.
    sink_cpu_share: Number((sinkUsed / seconds).toFixed(2)),
    load_average: Number(os.loadavg()[0].toFixed(1)),
    target_events_per_s: 50_000,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await stopChild(sink, 5000);
  fs.rmSync(dir, { recursive: true, force: true });
}
