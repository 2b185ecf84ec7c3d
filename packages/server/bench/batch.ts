/**
 * Sunbird-shaped batches of valid V3 INTERACT events for load tests, every event with its own
 * `mid` and every batch with its own `params.msgid`, so a collector that de-duplicates stores
 * all of them. A batch is a precomputed template joined with the ids: cheap enough to build one
 * per request inside the load generator (about 43 KB for 100 events, like the real SDK's).
 */
import { randomBytes } from 'node:crypto';

const SLOT = /@@(MSGID|MID|ETS|DID|SID)@@/g;
type SlotKind = 'MSGID' | 'MID' | 'ETS' | 'DID' | 'SID';

/** One event as Sunbird's SDK 2.x lays it out (key order included), about 430 bytes (43 KB per 100-event batch). */
function eventTemplate(index: number): string {
  const n = index % 7;
  return JSON.stringify({
    eid: 'INTERACT',
    ets: 0,
    ver: '3.0',
    mid: 'INTERACT:@@MID@@',
    actor: { id: `learner-0000${n}`, type: 'User' },
    context: {
      channel: 'in.ekstep',
      pdata: { id: 'dev.sunbird.portal', ver: '5.3.0', pid: 'sunbird-portal' },
      env: 'home',
      sid: '@@SID@@',
      did: '@@DID@@',
      cdata: [],
      rollup: {},
    },
    tags: [],
    edata: { type: 'CLICK', id: `btn-${n}`, pageid: 'library' },
  }).replace('"ets":0', '"ets":@@ETS@@');
}

export interface BatchWithIds {
  body: string;
  msgid: string;
  mids: string[];
}

/**
 * Batch `seq` comes from device `seq % devices` (as the real SDK, one device per batch), with
 * event times from the clock when it is built, so each device's stream moves forward in time.
 * The default device population (100,000) is what 100k events/s of human activity needs:
 * about one event per second per active device.
 */
export class BatchFactory {
  /** Distinguishes this factory's ids from every other factory's (another run, another process). */
  readonly tag: string;
  private readonly parts: string[];
  private readonly kinds: SlotKind[];
  /** For a MID or ETS slot: the event's index in the batch. */
  private readonly eventIndex: number[];
  private readonly suffixes: string[];
  private seq = 0;

  constructor(
    readonly eventsPerBatch = 100,
    tag = randomBytes(4).toString('hex'),
    readonly devices = 100_000,
  ) {
    if (eventsPerBatch < 1 || eventsPerBatch > 255) throw new Error('eventsPerBatch must be 1..255');
    if (devices < 1) throw new Error('devices must be at least 1');
    this.tag = tag;
    const events: string[] = [];
    for (let i = 0; i < eventsPerBatch; i++) events.push(eventTemplate(i));
    const envelope = `{"id":"api.sunbird.telemetry","ver":"3.0","params":{"msgid":"@@MSGID@@"},"ets":@@ETS@@,"events":[${events.join(',')}]}`;
    this.parts = [];
    this.kinds = [];
    this.eventIndex = [];
    let last = 0;
    let etsSeen = 0; // the first ETS slot is the batch's, then one per event, before its other slots
    for (const match of envelope.matchAll(SLOT)) {
      const kind = match[1] as SlotKind;
      if (kind === 'ETS') etsSeen++;
      this.parts.push(envelope.slice(last, match.index));
      this.kinds.push(kind);
      this.eventIndex.push(Math.max(etsSeen - 2, 0));
      last = match.index + match[0].length;
    }
    this.parts.push(envelope.slice(last));
    this.suffixes = Array.from({ length: eventsPerBatch }, (_, i) => i.toString(16).padStart(2, '0'));
  }

  /** The 30 hex digits every id of batch `seq` starts with. */
  private stem(seq: number): string {
    return this.tag + seq.toString(16).padStart(22, '0');
  }

  /** The next batch's body (the hot path of a load generator). */
  next(): string {
    const seq = this.seq++;
    const stem = this.stem(seq);
    const device = (seq % this.devices).toString(16).padStart(24, '0');
    const did = this.tag + device;
    const sid = `${this.tag}-0000-4000-8000-${device.slice(12)}`;
    const ets = Date.now();
    const { parts, kinds, eventIndex, suffixes } = this;
    let body = parts[0];
    for (let k = 0; k < kinds.length; k++) {
      switch (kinds[k]) {
        case 'MID':
          body += stem + suffixes[eventIndex[k]];
          break;
        case 'ETS':
          body += ets + eventIndex[k];
          break;
        case 'DID':
          body += did;
          break;
        case 'SID':
          body += sid;
          break;
        case 'MSGID':
          body += `${stem}ff`;
          break;
      }
      body += parts[k + 1];
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
