// Measures validateEvent on a typical ~430-byte INTERACT event (valid and invalid) and prints µs/event.
// Run: node --conditions=development --import tsx packages/spec/bench/validate.ts
import { validateEvent } from '../src/validate.js';

const interact = {
  eid: 'INTERACT',
  ets: 1718000000000,
  ver: '3.0',
  mid: 'INTERACT:8f2b6c1e-3d4a-4b5c-9e8f-0a1b2c3d4e5f',
  actor: { id: 'a2f5c3e1-9b7d-4c6e', type: 'User' },
  context: {
    channel: 'org.sunbird',
    pdata: { id: 'prod.sunbird.portal', ver: '4.1.0' },
    env: 'home',
    did: '41c72173532a5f2619cf90028f682cdfc98433bd',
  },
  object: { id: 'do_3125076764272', type: 'Content', ver: '1' },
  tags: [],
  edata: { type: 'TOUCH', id: 'play-button', pageid: 'content-detail' },
};
const invalid = { ...interact, edata: { type: 'TOUCH', pageid: 'content-detail' } };

// Distinct objects fresh from JSON.parse, as the collector sees them, rather than one object validated over and over.
function copies(event: object, n: number): unknown[] {
  const text = JSON.stringify(event);
  return Array.from({ length: n }, (_, i) => JSON.parse(text.replace('0a1b2c3d4e5f', String(i).padStart(12, '0'))));
}

function measure(label: string, event: object, expected: boolean): void {
  const events = copies(event, 4096);
  const rounds = 1_000_000;
  // Warm up so the numbers are for optimized code, as on a long-running collector.
  for (let i = 0; i < 200_000; i++) validateEvent(events[i & 4095]);
  // Median of five runs, because the machine is shared and one run can be slowed by a neighbour.
  const runs: number[] = [];
  for (let run = 0; run < 5; run++) {
    let valid = 0;
    const start = process.hrtime.bigint();
    for (let i = 0; i < rounds; i++) if (validateEvent(events[i & 4095]).valid) valid++;
    runs.push(Number(process.hrtime.bigint() - start) / rounds);
    if (valid !== (expected ? rounds : 0)) throw new Error(`${label}: unexpected verdict`);
  }
  const ns = runs.sort((a, b) => a - b)[2] as number;
  console.log(
    `${label.padEnd(18)} ${(ns / 1000).toFixed(3)} µs/event  (${Math.round(1e9 / ns).toLocaleString()} events/s)`,
  );
}

console.log(`INTERACT event: ${JSON.stringify(interact).length} bytes`);
measure('valid INTERACT', interact, true);
measure('invalid INTERACT', invalid, false);
