/** Shared by the sessions tests: V3 events on a clock, and a store fed through real spool segments. */
import fs from 'node:fs';
import path from 'node:path';
import { eventLine, eventLinePrefix } from '../src/spool/segment-format.js';
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

export async function openTestStore(): Promise<{ store: Store; load: (events: object[]) => Promise<void> }> {
  const dir = tempDir('sessions-');
  const store = await openMemoryStore({ spoolDir: dir });
  let segment = 0;
  const load = async (events: object[]) => {
    const file = path.join(dir, `seg-${++segment}.log`);
    const prefix = eventLinePrefix({ syncts: T0 });
    fs.writeFileSync(file, events.map((e) => eventLine(prefix, JSON.stringify(e))).join(''));
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
