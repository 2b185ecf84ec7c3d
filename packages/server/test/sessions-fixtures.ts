/** Shared by the sessions tests: V3 events on a clock, and a store fed through real spool segments. */
import fs from 'node:fs';
import path from 'node:path';
import { eventLine, eventLinePrefix, foreignEventLine } from '../src/spool/segment-format.js';
import type { Store, SummarizedStream, SummaryDrain } from '../src/store/store.js';
import { openMemoryStore } from './support/store.js';
import { tempDir } from './temp-dir.js';

export const T0 = 1_700_000_000_000;
let mids = 0;

/** A minimal V3 event `seconds` after T0 on device `did`. */
export function v3(
  did: string,
  eid: string,
  seconds: number,
  edata: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
) {
  return {
    eid,
    ets: T0 + Math.round(seconds * 1000),
    ver: '3.0',
    mid: `m${++mids}`,
    actor: { id: `u-${did}`, type: 'User' },
    context: { channel: 'ch1', pdata: { id: 'app.web', ver: '1', pid: 'web' }, env: 'home', sid: `s-${did}`, did },
    edata: { ...(eid === 'INTERACT' ? { type: 'click', id: 'b' } : {}), ...edata },
    ...extra,
  };
}

let uuids = 0;
/** A PostHog event as the collector spools it (kind 'p'), on the stream of v3(did): channel ch1, pdata app.web. */
export function posthogEvent(did: string, event: string, seconds: number) {
  const mid = `00000000-0000-4000-8000-${String(++uuids).padStart(12, '0')}`;
  const columns = {
    eid: event,
    ets: T0 + seconds * 1000,
    mid,
    actor: { id: `u-${did}` },
    context: { sid: `s-${did}`, did, pdata: { id: 'app.web', ver: '1' } },
    edata: {},
  };
  return {
    posthog: true,
    eid: event,
    mid,
    columns: JSON.stringify(columns),
    raw: JSON.stringify({ event, uuid: mid }),
  };
}

/** A store fed through real spool segments: V3 events (v3) and PostHog ones (posthogEvent). */
export async function openTestStore(): Promise<{ store: Store; load: (events: object[]) => Promise<void> }> {
  const dir = tempDir('sessions-');
  const store = await openMemoryStore({ spoolDir: dir });
  let segment = 0;
  const load = async (events: object[]) => {
    const file = path.join(dir, `seg-${++segment}.log`);
    const prefix = eventLinePrefix({ syncts: T0 });
    const line = (e: object) =>
      'posthog' in e
        ? foreignEventLine({ syncts: T0, channel: 'ch1' }, e as ReturnType<typeof posthogEvent>)
        : eventLine(prefix, JSON.stringify(e));
    fs.writeFileSync(file, events.map(line).join(''));
    await store.loadSegment(file, segment);
  };
  return { store, load };
}

type Summarize = (drain: SummaryDrain) => Promise<SummarizedStream[]>;

/** `store`, whose drains call `around(summarize, drain)` in place of the summarizer's step: a test's hook inside a drain. */
export function aroundSummarize(
  store: Store,
  around: (summarize: Summarize, drain: SummaryDrain) => Promise<SummarizedStream[]>,
): Store {
  return Object.create(store, {
    drainSummaryQueue: {
      value: (summarize: Summarize) => store.drainSummaryQueue((drain) => around(summarize, drain)),
    },
  });
}
