/**
 * Sunbird-shaped batches of valid V3 INTERACT events for load tests, every event with its own
 * `mid` and every batch with its own `params.msgid`, so a collector that de-duplicates stores
 * all of them. A batch is a precomputed template joined with the ids: cheap enough to build one
 * per request inside the load generator (about 43 KB for 100 events, like the real SDK's).
 */
import { randomBytes } from 'node:crypto';

const MSGID_PLACEHOLDER = '@@MSGID@@';
const MID_PLACEHOLDER = '@@MID@@';

/** One event as Sunbird's SDK 2.x lays it out (key order included), about 430 bytes (43 KB per 100-event batch). */
function eventTemplate(index: number, ets: number): string {
  const n = index % 7;
  return JSON.stringify({
    eid: 'INTERACT',
    ets: ets + index,
    ver: '3.0',
    mid: `INTERACT:${MID_PLACEHOLDER}`,
    actor: { id: `learner-0000${n}`, type: 'User' },
    context: {
      channel: 'in.ekstep',
      pdata: { id: 'dev.sunbird.portal', ver: '5.3.0', pid: 'sunbird-portal' },
      env: 'home',
      sid: 'f2a7e8c0-4f3b-11ee-9d2b-2b6f5e1c7a10',
      did: '1e46d4a0f4c6b3a2d9e8f7c6b5a4d3e2',
      cdata: [],
      rollup: {},
    },
    tags: [],
    edata: { type: 'CLICK', id: `btn-${n}`, pageid: 'library' },
  });
}

export interface BatchWithIds {
  body: string;
  msgid: string;
  mids: string[];
}

export class BatchFactory {
  /** Distinguishes this factory's ids from every other factory's (another run, another process). */
  readonly tag: string;
  private readonly head: string;
  private readonly pieces: string[];
  private readonly tail: string;
  private readonly suffixes: string[];
  private seq = 0;

  constructor(
    readonly eventsPerBatch = 100,
    tag = randomBytes(4).toString('hex'),
  ) {
    if (eventsPerBatch < 1 || eventsPerBatch > 256) throw new Error('eventsPerBatch must be 1..256');
    this.tag = tag;
    const ets = Date.now();
    const events: string[] = [];
    for (let i = 0; i < eventsPerBatch; i++) events.push(eventTemplate(i, ets));
    const envelope = `{"id":"api.sunbird.telemetry","ver":"3.0","params":{"msgid":"${MSGID_PLACEHOLDER}"},"ets":${ets},"events":[${events.join(',')}]}`;
    // head = up to the msgid; then pieces[i] = what comes between id i-1 and id i (pieces[0] after the msgid).
    const [head, rest] = envelope.split(MSGID_PLACEHOLDER);
    const parts = rest.split(MID_PLACEHOLDER);
    this.head = head;
    this.pieces = parts.slice(0, -1);
    this.tail = parts[parts.length - 1];
    this.suffixes = Array.from({ length: eventsPerBatch }, (_, i) => i.toString(16).padStart(2, '0'));
  }

  /** The 30 hex digits every id of batch `seq` starts with. */
  private stem(seq: number): string {
    return this.tag + seq.toString(16).padStart(22, '0');
  }

  /** The next batch's body (the hot path of a load generator). */
  next(): string {
    const stem = this.stem(this.seq++);
    let body = this.head + stem + 'ff' + this.pieces[0];
    for (let i = 0; i < this.eventsPerBatch; i++) {
      body += stem + this.suffixes[i] + (i + 1 < this.eventsPerBatch ? this.pieces[i + 1] : this.tail);
    }
    return body;
  }

  /** The next batch with its ids, for tests that track what was acknowledged. */
  nextWithIds(): BatchWithIds {
    const stem = this.stem(this.seq);
    const body = this.next();
    return {
      body,
      msgid: `${stem}ff`,
      mids: this.suffixes.map((s) => `INTERACT:${stem}${s}`),
    };
  }
}
