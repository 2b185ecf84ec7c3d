/**
 * Runs a Node process (the real `telemetry serve`, the null collector) on a free loopback port,
 * waits until it answers, and stops it: shared by the ingest bench and the crash test.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const HOST = '127.0.0.1';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/**
 * The real command's launcher, as users run it: it sizes libuv's threadpool before anything uses it, then runs the
 * built dist/ (a bench that starts it builds first, in its npm script, so it measures the code in the tree).
 */
export const LAUNCHER = path.resolve(ROOT, 'packages/server/bin/telemetry.cjs');
/** The Node flags of the launcher's first line (`#!/usr/bin/env -S node <flags>`), which `node LAUNCHER` skips. */
export const LAUNCHER_NODE_FLAGS: string[] = fs
  .readFileSync(LAUNCHER, 'utf8')
  .split('\n', 1)[0]
  .replace(/^#!\S*env -S node\b/, '')
  .trim()
  .split(/\s+/)
  .filter(Boolean);
/** `node` arguments that run the launcher as its first line does: `startChild(name, [...LAUNCH, 'serve'], …)`. */
export const LAUNCH: string[] = [...LAUNCHER_NODE_FLAGS, LAUNCHER];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Children still running, so an interrupted bench or test can kill them all. */
export const children = new Set<ChildProcess>();

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, HOST, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

export interface Child {
  name: string;
  process: ChildProcess;
  pid: number;
  url: string;
  /** The last 16 kB of its stdout and stderr, for failure messages. */
  output: () => string;
  /** Its exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

/** Starts `node <args>` from the repository root, listening on `port` (passed in `env`). */
export function startChild(name: string, args: string[], env: NodeJS.ProcessEnv, port: number): Child {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`${name} did not start`);
  children.add(child);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      children.delete(child);
      resolve(code);
    }),
  );
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-16_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { name, process: child, pid: child.pid, url: `http://${HOST}:${port}`, output: () => tail, exited };
}

/** Resolves once GET `probePath` answers with a status `ready` accepts; throws if the child exits first or time runs out. */
export async function waitReady(
  child: Child,
  probePath: string,
  timeoutMs: number,
  ready: (status: number) => boolean = (status) => status < 500,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.process.exitCode !== null)
      throw new Error(`${child.name} exited with ${child.process.exitCode}:\n${child.output()}`);
    try {
      const response = await fetch(child.url + probePath, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (ready(response.status)) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${child.name} was not ready after ${timeoutMs} ms:\n${child.output()}`);
}

/** SIGTERM, then SIGKILL after `timeoutMs`; resolves with the exit code. */
export async function stopChild(child: Child, timeoutMs: number): Promise<number | null> {
  if (child.process.exitCode === null && child.process.signalCode === null) {
    child.process.kill('SIGTERM');
    const timer = setTimeout(() => child.process.kill('SIGKILL'), timeoutMs);
    await child.exited;
    clearTimeout(timer);
  }
  return child.exited;
}
