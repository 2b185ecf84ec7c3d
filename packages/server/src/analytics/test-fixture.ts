/** Test helper: an in-memory DuckDB store loaded, through the real spool loader, with hand-written events. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eventLine, eventLinePrefix } from '../spool/segment-format.js';
import { openStore } from '../store/open-store.js';
import type { ActorKeyRule, Store } from '../store/store.js';

export interface FixtureEvent {
  eid: string;
  /** Event time as an ISO instant, e.g. `2024-01-01T10:00:00Z`. */
  at: string;
  actor?: string;
  did?: string;
  sid?: string;
  channel?: string;
  edata?: Record<string, unknown>;
  object?: Record<string, unknown>;
  cdata?: { type: string; id: string }[];
  /** `context.rollup` (the organisation hierarchy: l1…l4). */
  rollup?: Record<string, unknown>;
  tags?: string[];
  /** Receive time, epoch ms; default the event time. */
  syncts?: number;
}

let counter = 0;

export function toEvent(e: FixtureEvent): Record<string, unknown> {
  counter++;
  return {
    eid: e.eid,
    ets: Date.parse(e.at),
    ver: '3.0',
    mid: `m-${counter}-${e.eid}`,
    actor: { id: e.actor ?? 'u1', type: 'User' },
    context: {
      channel: e.channel ?? 'ch1',
      env: 'app',
      pdata: { id: 'test.app', ver: '1.0', pid: 'web' },
      did: e.did ?? `d-${e.actor ?? 'u1'}`,
      sid: e.sid ?? `s-${e.actor ?? 'u1'}`,
      ...(e.cdata ? { cdata: e.cdata } : {}),
      ...(e.rollup ? { rollup: e.rollup } : {}),
    },
    ...(e.object ? { object: e.object } : {}),
    ...(e.tags ? { tags: e.tags } : {}),
    edata: e.edata ?? {},
  };
}

export interface Fixture {
  store: Store;
  /** Loads `events` as the next spool segment (after the ones before, so later in arrival order). */
  load(events: FixtureEvent[]): Promise<void>;
  close(): Promise<void>;
}

/** Opens a fresh store holding `events` (loaded as one spool segment); `actorKey`: the store's actor-key rule. */
export async function fixtureStore(
  events: FixtureEvent[],
  options: { actorKey?: ActorKeyRule } = {},
): Promise<Fixture> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'insights-'));
  const store = await openStore({ url: 'duckdb::memory:', spoolDir: dir, ...options });
  let segment = 0;
  const load = async (batch: FixtureEvent[]) => {
    const file = path.join(dir, `segment-${++segment}.log`);
    const lines = batch.map((e) => {
      const event = toEvent(e);
      return eventLine(eventLinePrefix({ syncts: e.syncts ?? (event.ets as number) }), JSON.stringify(event));
    });
    fs.writeFileSync(file, lines.join(''));
    await store.loadSegment(file, segment);
  };
  await load(events);
  return {
    store,
    load,
    async close() {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
