/**
 * Test support: a spool segment written directly with the spool's format writer, holding valid
 * events and "poisonous" ones the store refuses to load (an ets in nanoseconds, beyond DuckDB's
 * TIMESTAMP). Written straight to disk, they bypass the door's checks, as a bug in them would.
 */
import fs from 'node:fs';
import { BatchFactory } from '../bench/batch.js';
import { eventLine, eventLinePrefix, frameGroup } from '../src/spool/segment-format.js';

export interface PoisonSegment {
  /** mids of the valid events. */
  mids: string[];
  /** mids of the poisonous events. */
  poisonMids: string[];
  bytes: number;
}

/** Writes `valid` events (in batches of 100) with `poisons` poisonous ones spread among them into `file`. */
export function writePoisonSegment(file: string, valid: number, poisons: number): PoisonSegment {
  const factory = new BatchFactory(100);
  const prefix = eventLinePrefix({ syncts: Date.now() });
  const mids: string[] = [];
  const poisonMids: string[] = [];
  const groups: Buffer[] = [];
  const every = Math.max(1, Math.floor(valid / Math.max(1, poisons)));
  let records = '';
  for (let i = 0; i < valid; i += 100) {
    const events = JSON.parse(factory.next()).events as Array<{ mid: string; ets: number }>;
    for (const event of events.slice(0, valid - i)) {
      records += eventLine(prefix, JSON.stringify(event), event.mid);
      mids.push(event.mid);
      if (poisonMids.length < poisons && mids.length % every === Math.floor(every / 2)) {
        const mid = `${event.mid.replace(/[0-9a-f]$/, '')}dead${poisonMids.length.toString(16)}`;
        const poison = { ...event, mid, ets: event.ets * 1_000_000 }; // nanoseconds
        records += eventLine(prefix, JSON.stringify(poison), mid);
        poisonMids.push(mid);
      }
    }
    if (records.length > 1_000_000) {
      groups.push(frameGroup(records));
      records = '';
    }
  }
  if (records !== '') groups.push(frameGroup(records));
  const data = Buffer.concat(groups);
  fs.writeFileSync(file, data);
  return { mids, poisonMids, bytes: data.length };
}
