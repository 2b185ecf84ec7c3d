/**
 * One data set for the tests that compare the ClickHouse store with DuckDB's (clickhouse-store.test.ts,
 * clickhouse-insights.test.ts): simulated traffic and edge records written as spool segments, loaded into both.
 */
import fs from 'node:fs';
import { validateEvent } from '@telemetry/spec';
import { simulate } from '../../src/simulate/generate.js';
import { resolveParams } from '../../src/simulate/params.js';
import { INVALID_EVENTS } from '../../src/simulate/session.js';
import {
  batchLine,
  eventLine,
  eventLinePrefix,
  failedLine,
  foreignEventLine,
  frameGroup,
} from '../../src/spool/segment-format.js';
import { segmentFile } from '../../src/spool/segment-recovery.js';

/**
 * Records that test the typed columns' edges: a federated actor, header fallbacks, escapes and newlines in raw, a
 * PostHog event, a rejected event and a batch marker.
 */
function edgeRecords(syncts: number): string {
  const base = { ver: '3.0', actor: { type: 'User' }, edata: { type: 'CLICK', id: 'x' } };
  const events = [
    {
      ...base,
      eid: 'INTERACT',
      ets: 1_704_067_200_500,
      mid: 'edge-1',
      actor: { id: 'f:org1:u1', type: 'User' },
      context: {
        channel: 'c1',
        pdata: { id: 'p', ver: '1', pid: 'w' },
        env: 'home',
        did: 'd1',
        sid: 's1',
        cdata: [{ type: 'Course', id: 'k1' }],
        rollup: { l1: 'org1', l2: 7 },
      },
      object: { id: 'o1', type: 'Content', ver: '2', rollup: { l1: 'r' } },
      tags: ['t1', 't2'],
    },
    {
      ...base,
      eid: 'SEARCH',
      ets: 1_704_153_599_999,
      mid: 'edge-2',
      actor: { id: 'quote\'s "and" \\ é 😀', type: 'User' },
      context: { channel: '', did: 'd2' },
      edata: { type: 'content', query: 'a\nb', size: '0' },
    },
  ];
  const prefix = eventLinePrefix({
    syncts,
    channel: 'hdr-channel',
    did: 'hdr-did',
    pid: 'hdr-pid',
    clockOffsetMs: -250,
  });
  // Pretty-printed, as some clients send: raw keeps the newlines and spaces.
  let records = events.map((e) => eventLine(prefix, JSON.stringify(e, null, 2), e.mid)).join('');
  const columns = JSON.stringify({
    eid: 'INTERACT',
    ets: 1_704_067_201_000,
    mid: 'ph-1',
    actor: { id: 'ph-user' },
    context: { channel: 'posthog', did: 'ph-device', pdata: { id: 'web' } },
    edata: { type: '$autocapture' },
  });
  records += foreignEventLine(
    { syncts },
    { eid: 'INTERACT', mid: 'ph-1', columns, raw: '{"event":"$autocapture","distinct_id":"ph-user","properties":{}}' },
  );
  records += failedLine(
    { syncts, msgid: 'batch-edge' },
    {
      mid: 'bad-1',
      eid: 'INTERACT',
      reason: 'schema',
      errors: ['must have edata', "it's \\ 'quoted'"],
      raw: '{"mid":"bad-1"}',
    },
  );
  records += batchLine({ syncts }, 'batch-edge', 4);
  return records;
}

/**
 * The simulated traffic (12 users over 10 days from 2024-01-01, seed 7) as three spool segments in `spoolDir`, as
 * simulate/write-store.ts writes them, plus the edge records in the first; gives the segment files, to load as
 * segments 1, 2, 3.
 */
export function writeParitySegments(spoolDir: string): string[] {
  const segments: string[] = [];
  const events = [
    ...simulate(resolveParams({ users: 12, days: 10, acquisitionDays: 5, start: '2024-01-01', seed: 7 })),
  ];
  const perSegment = Math.ceil(events.length / 3);
  for (let s = 0; s < 3; s++) {
    let records = s === 0 ? edgeRecords(1_704_070_000_000) : '';
    for (const event of events.slice(s * perSegment, (s + 1) * perSegment)) {
      const syncts = event.ets + 5_000;
      const raw = JSON.stringify(event);
      if (INVALID_EVENTS.has(event)) {
        const verdict = validateEvent(event);
        if (verdict.valid) throw new Error(`${event.mid} was meant to be invalid`);
        records += failedLine(
          { syncts },
          { mid: event.mid, eid: event.eid, reason: verdict.reason, errors: verdict.errors, raw },
        );
      } else {
        records += eventLine(eventLinePrefix({ syncts }), raw);
      }
    }
    const file = segmentFile(spoolDir, s + 1);
    fs.writeFileSync(file, frameGroup(records));
    segments.push(file);
  }
  return segments;
}
