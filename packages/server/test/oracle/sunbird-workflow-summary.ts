/**
 * Test oracle: a literal, line-by-line TypeScript port of Sunbird's WorkFlowSummaryModel and
 * Summary (Sunbird-Obsrv/sunbird-core-dataproducts @ 4ef090df, batch-models/src/main/scala/org/ekstep/
 * analytics/{model/WorkFlowSummaryModel.scala,util/Summary.scala}). Not production code: it keeps
 * Sunbird's structure (mutable tree, summaryEvents buffers, distinct) so our summarizer can be checked
 * against it. "WFSM n" / "SUM n" name the Scala line each block mirrors; CommonUtil is "CU".
 */

/** The parts of a V3 event the model reads (V3Event in analytics-core). */
export interface OracleEvent {
  eid: string;
  ets: number;
  ver?: string;
  actor: { id: string | null };
  context: { channel: string; did?: string; sid?: string; env?: string; pdata?: { id: string } };
  object?: { id: string; type?: string };
  edata: { type?: string | null; mode?: string | null; pageid?: string };
}

/** The measures of one ME_WORKFLOW_SUMMARY (SUM 226–246, getSummaryEvent). */
export interface OracleSummary {
  uid: string;
  did: string;
  channel: string;
  pdataId: string;
  sid: string;
  type: string;
  mode: string;
  objectId: string | null;
  startTime: number;
  endTime: number;
  timeDiff: number;
  timeSpent: number;
  interactEventsCount: number;
  interactEventsPerMin: number;
  eventsSummary: Record<string, number>;
}

const DEFAULT_PDATA_ID = 'default.consumption.app.id';

// CU getTimeDiff: Option((end - start).toDouble / 1000)
function getTimeDiff(start: number, end: number): number {
  return (end - start) / 1000;
}

// CU roundDouble: BigDecimal(value).setScale(precision, HALF_UP).toDouble — BigDecimal(Double) reads Double.toString.
function roundDouble(value: number, precision: number): number {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(value));
  if (!m) return value;
  const frac = m[3] ?? '';
  const digits = BigInt(m[2] + frac);
  const scale = frac.length - Number(m[4] ?? 0);
  if (scale <= precision) return value;
  const divisor = 10n ** BigInt(scale - precision);
  let q = digits / divisor;
  if ((digits % divisor) * 2n >= divisor) q += 1n;
  const out = Number(q) / 10 ** precision;
  return m[1] === '-' ? -out : out;
}

// StringUtils.equalsIgnoreCase / equals are null-safe.
function equalsIgnoreCase(a: string | null | undefined, b: string | null | undefined): boolean {
  if (a == null || b == null) return (a ?? null) === (b ?? null);
  return a.toLowerCase() === b.toLowerCase();
}
function equals(a: string | null | undefined, b: string | null | undefined): boolean {
  if (a == null || b == null) return (a ?? null) === (b ?? null);
  return a === b;
}

// SUM 15
export const interactTypes = [
  'touch',
  'drag',
  'drop',
  'pinch',
  'zoom',
  'shake',
  'rotate',
  'speak',
  'listen',
  'write',
  'draw',
  'start',
  'end',
  'choose',
  'activate',
  'scroll',
  'click',
  'edit',
  'submit',
  'search',
  'dnd',
  'added',
  'removed',
  'selected',
];

export class Summary {
  // SUM 16–25: values fixed from the first event
  readonly sid: string;
  readonly uid: string;
  readonly objectId: string | null;
  readonly channel: string;
  readonly did: string;
  readonly pdataId: string;
  // SUM 28–46: mutable state
  startTime: number;
  interactEventsCount: number;
  type: string;
  mode: string;
  lastEvent: OracleEvent | null = null;
  endTime = 0;
  timeSpent = 0.0;
  timeDiff = 0.0;
  eventsSummary: Map<string, number>;
  prevEventEts: number;
  summaryEvents: OracleSummary[] = [];
  CHILDREN: Summary[] = [];
  PARENT: Summary | null = null;
  isClosed = false;

  constructor(readonly firstEvent: OracleEvent) {
    this.sid = firstEvent.context.sid ?? '';
    this.uid = firstEvent.actor.id == null ? '' : firstEvent.actor.id;
    this.objectId = firstEvent.object ? firstEvent.object.id : null;
    this.channel = firstEvent.context.channel;
    this.did = firstEvent.context.did ?? '';
    this.pdataId = (firstEvent.context.pdata ?? { id: DEFAULT_PDATA_ID }).id;
    this.startTime = firstEvent.ets;
    // SUM 29: (throws in Scala for an INTERACT without edata.type; the schema requires it)
    this.interactEventsCount =
      equals('INTERACT', firstEvent.eid) && interactTypes.includes((firstEvent.edata.type as string).toLowerCase())
        ? 1
        : 0;
    // SUM 30–31
    this.type = firstEvent.edata.type == null ? 'app' : firstEvent.edata.type.toLowerCase();
    this.mode = firstEvent.edata.mode == null ? '' : firstEvent.edata.mode;
    // SUM 38, 40
    this.eventsSummary = new Map([[firstEvent.eid, 1]]);
    this.prevEventEts = this.startTime;
  }

  // SUM 51–53
  updateType(type: string): void {
    this.type = type;
  }

  // SUM 55–57
  resetMode(): void {
    this.mode = '';
  }

  // SUM 68–70 ckeckTypeMode
  ckeckTypeMode(type: string | null | undefined, mode: string): boolean {
    return equalsIgnoreCase(this.type, type) && equalsIgnoreCase(this.mode, mode);
  }

  // SUM 72–84
  checkForSimilarSTART(type: string | null | undefined, mode: string): boolean {
    if (this.ckeckTypeMode(type, mode)) return true;
    if (this.PARENT == null) return this.ckeckTypeMode(type, mode);
    return this.PARENT.checkForSimilarSTART(type, mode);
  }

  // SUM 86–93 deepClone: returns the top ancestor itself, no copy
  deepClone(): Summary {
    if (this.PARENT == null) return this;
    return this.PARENT.deepClone();
  }

  // SUM 95–102
  clearAll(): void {
    for (const summ of this.CHILDREN) summ.clearAll();
    this.clearSummary();
  }

  // SUM 104–119
  clearSummary(): void {
    this.startTime = 0;
    this.interactEventsCount = 0;
    this.lastEvent = null;
    this.endTime = 0;
    this.timeSpent = 0.0;
    this.timeDiff = 0.0;
    this.eventsSummary = new Map();
    this.summaryEvents = [];
    this.isClosed = false;
  }

  // SUM 121–158 add (page/env summaries and item responses are not compared, so not ported)
  add(event: OracleEvent, idleTime: number): void {
    if (this.startTime === 0) this.startTime = event.ets;
    const ts = getTimeDiff(this.prevEventEts, event.ets);
    this.prevEventEts = event.ets;
    this.timeSpent += roundDouble(ts > idleTime ? 0 : ts, 2);
    if (equals(event.eid, 'INTERACT') && interactTypes.includes((event.edata.type as string).toLowerCase()))
      this.interactEventsCount += 1;
    const prevCount = this.eventsSummary.get(event.eid) ?? 0;
    this.eventsSummary.set(event.eid, prevCount + 1);
    this.lastEvent = event;
    this.endTime = this.lastEvent.ets;
    this.timeDiff = roundDouble(getTimeDiff(this.startTime, this.endTime), 2);
    if (this.PARENT != null) this.PARENT.add(event, idleTime);
  }

  // SUM 160–162
  addChild(child: Summary): void {
    this.CHILDREN.push(child);
  }

  // SUM 164–168: the child's first event is added to the parent
  addParent(parent: Summary, idleTime: number): void {
    this.PARENT = parent;
    this.PARENT.add(this.firstEvent, idleTime);
  }

  // SUM 174–186
  checkStart(type: string | null | undefined, mode: string | null | undefined): Summary | null {
    if (equalsIgnoreCase(this.type, type) && equals(this.mode, mode ?? '')) {
      this.close();
      return this;
    }
    if (this.PARENT == null) return null;
    return this.PARENT.checkStart(type, mode);
  }

  // SUM 188–201
  checkEnd(event: OracleEvent): Summary {
    const mode = event.edata.mode == null ? '' : event.edata.mode;
    if (equalsIgnoreCase(this.type, event.edata.type) && equals(this.mode, mode)) {
      return this.PARENT == null ? this : this.PARENT;
    }
    if (this.PARENT == null) return this;
    const summ = this.PARENT.checkEnd(event);
    // (Scala: if (summ == null) return this — checkEnd never returns null)
    return summ;
  }

  // SUM 203–214
  getSimilarEndSummary(event: OracleEvent): Summary {
    const mode = event.edata.mode == null ? '' : event.edata.mode;
    if (equalsIgnoreCase(this.type, event.edata.type) && equals(this.mode, mode)) return this;
    if (this.PARENT == null) return this;
    return this.PARENT.getSimilarEndSummary(event);
  }

  // SUM 216–229 close: children's events are kept only if this summary has time spent
  close(): void {
    const tempChildEvents: OracleSummary[] = [];
    for (const summ of this.CHILDREN) {
      if (!summ.isClosed) {
        summ.close();
        tempChildEvents.push(...summ.summaryEvents);
      }
    }
    if (this.timeSpent > 0) {
      this.summaryEvents.push(...tempChildEvents);
      this.summaryEvents.push(this.getSummaryEvent());
    }
    this.isClosed = true;
  }

  // SUM 231–254 getSummaryEvent: a snapshot of the measures
  getSummaryEvent(): OracleSummary {
    const interactEventsPerMin =
      this.interactEventsCount === 0 || this.timeSpent === 0
        ? 0
        : this.timeSpent < 60.0
          ? this.interactEventsCount
          : roundDouble(this.interactEventsCount / (this.timeSpent / 60), 2);
    return {
      uid: this.uid,
      did: this.did,
      channel: this.channel,
      pdataId: this.pdataId,
      sid: this.sid,
      type: this.type,
      mode: this.mode,
      objectId: this.objectId,
      startTime: this.startTime,
      endTime: this.endTime,
      timeDiff: this.timeDiff,
      timeSpent: roundDouble(this.timeSpent, 2),
      interactEventsCount: this.interactEventsCount,
      interactEventsPerMin,
      eventsSummary: Object.fromEntries(this.eventsSummary),
    };
  }

  // SUM 256–258
  checkSimilarity(summ: Summary): boolean {
    return (
      equalsIgnoreCase(this.type, summ.type) &&
      equalsIgnoreCase(this.mode, summ.mode) &&
      this.startTime === summ.startTime
    );
  }
}

const serverEvents = ['LOG', 'AUDIT', 'SEARCH']; // WFSM 26

/** WFSM 28–37 preProcess + 41–162 algorithm + 164 postProcess (distinct), for all groups. */
export function workflowSummaries(
  events: OracleEvent[],
  config: { idleTime?: number; sessionBreakTime?: number } = {},
): OracleSummary[] {
  // WFSM 31–35: drop server events, group by (did ?? "", channel, (pdata ?? default).id)
  const groups = new Map<string, OracleEvent[]>();
  for (const x of events.filter((f) => !serverEvents.includes(f.eid))) {
    const key = JSON.stringify([
      x.context.did ?? '',
      x.context.channel,
      (x.context.pdata ?? { id: DEFAULT_PDATA_ID }).id,
    ]);
    const group = groups.get(key);
    if (group) group.push(x);
    else groups.set(key, [x]);
  }
  const out: OracleSummary[] = [];
  for (const group of groups.values()) out.push(...algorithmForGroup(group, config));
  // WFSM 164: data.distinct() — the same MeasuredEvent appended several times counts once
  return [...new Set(out)];
}

/** WFSM 48–161: one group's sequential pass. */
export function algorithmForGroup(
  events: OracleEvent[],
  config: { idleTime?: number; sessionBreakTime?: number } = {},
): OracleSummary[] {
  // WFSM 44–45
  const idleTime = config.idleTime ?? 600;
  const sessionBreakTime = config.sessionBreakTime ?? 30;
  // WFSM 48–53 (sortBy is stable)
  const summEvents: OracleSummary[] = [];
  const sortedEvents = [...events].sort((a, b) => a.ets - b.ets);
  let rootSummary: Summary | null = null;
  let currSummary: Summary | null = null;
  let prevEvent = sortedEvents[0];

  for (const x of sortedEvents) {
    // WFSM 57–68: a gap over sessionBreakTime closes and resets the whole tree above currSummary
    const diff = getTimeDiff(prevEvent.ets, x.ets);
    if (diff > sessionBreakTime * 60 && !equalsIgnoreCase('app', x.edata.type)) {
      if (currSummary != null && !currSummary.isClosed) {
        const clonedRootSummary: Summary = currSummary.deepClone();
        clonedRootSummary.close();
        summEvents.push(...clonedRootSummary.summaryEvents);
        clonedRootSummary.clearAll();
        rootSummary = clonedRootSummary;
        currSummary.clearSummary();
      }
    }
    prevEvent = x;
    if (x.eid === 'START') {
      // WFSM 72–91: no open root
      if (rootSummary == null || rootSummary.isClosed) {
        if (equalsIgnoreCase('START', x.eid) && !equalsIgnoreCase('app', x.edata.type)) {
          // WFSM 74–80: a synthetic app root over the START
          rootSummary = new Summary(x);
          rootSummary.updateType('app');
          rootSummary.resetMode();
          currSummary = new Summary(x);
          rootSummary.addChild(currSummary);
          currSummary.addParent(rootSummary, idleTime);
        } else {
          // WFSM 82–88
          if (currSummary != null && !currSummary.isClosed) {
            currSummary.close();
            summEvents.push(...currSummary.summaryEvents);
          }
          rootSummary = new Summary(x);
          currSummary = rootSummary;
        }
      } else if (currSummary == null || currSummary.isClosed) {
        // WFSM 91–94: attached to the root's children, without a PARENT link
        currSummary = new Summary(x);
        if (!currSummary.checkSimilarity(rootSummary)) rootSummary.addChild(currSummary);
      } else {
        // WFSM 96–135
        const tempSummary: Summary | null = currSummary.checkStart(x.edata.type, x.edata.mode);
        if (tempSummary == null) {
          // WFSM 98–105: nest under currSummary
          const newSumm = new Summary(x);
          if (!currSummary.isClosed) {
            currSummary.addChild(newSumm);
            newSumm.addParent(currSummary, idleTime);
          }
          currSummary = newSumm;
        } else if (tempSummary.PARENT != null && tempSummary.isClosed) {
          // WFSM 107–119: the same type was open: the new START becomes its sibling
          summEvents.push(...tempSummary.summaryEvents);
          const newSumm = new Summary(x);
          if (!currSummary.isClosed) {
            currSummary.addChild(newSumm);
            newSumm.addParent(currSummary, idleTime);
          }
          currSummary = newSumm;
          tempSummary.PARENT.addChild(currSummary);
          currSummary.addParent(tempSummary.PARENT, idleTime);
        } else {
          // WFSM 120–133: the match was the top: a detached summary, the new root if the old one closed
          if (currSummary.PARENT != null) {
            summEvents.push(...currSummary.PARENT.summaryEvents);
          } else {
            summEvents.push(...currSummary.summaryEvents);
          }
          currSummary = new Summary(x);
          if (rootSummary.isClosed) {
            summEvents.push(...rootSummary.summaryEvents);
            rootSummary = currSummary;
          }
        }
      }
    } else if (x.eid === 'END') {
      // WFSM 137–177: only an END matching some summary on the chain is processed
      const endMode = x.edata.mode == null ? '' : x.edata.mode;
      if (currSummary?.checkForSimilarSTART(x.edata.type, endMode)) {
        const parentSummary: Summary = currSummary.checkEnd(x);
        if (currSummary.PARENT != null && parentSummary.checkSimilarity(currSummary.PARENT)) {
          // WFSM 141–148
          if (!currSummary.isClosed) {
            currSummary.add(x, idleTime);
            currSummary.close();
            summEvents.push(...currSummary.summaryEvents);
            currSummary = parentSummary;
          }
        } else if (rootSummary != null && parentSummary.checkSimilarity(rootSummary)) {
          // WFSM 149–164 (rootSummary is never null here once currSummary exists)
          const similarEndSummary: Summary = currSummary.getSimilarEndSummary(x);
          if (similarEndSummary.checkSimilarity(rootSummary)) {
            rootSummary.add(x, idleTime);
            rootSummary.close();
            summEvents.push(...rootSummary.summaryEvents);
            currSummary = rootSummary;
          } else if (!similarEndSummary.isClosed) {
            similarEndSummary.add(x, idleTime);
            similarEndSummary.close();
            summEvents.push(...similarEndSummary.summaryEvents);
            currSummary = parentSummary;
          }
        } else {
          // WFSM 165–172
          if (!currSummary.isClosed) {
            currSummary.add(x, idleTime);
            currSummary.close();
            summEvents.push(...currSummary.summaryEvents);
          }
          currSummary = parentSummary;
        }
      }
    } else {
      // WFSM 178–186: other events join currSummary, or open an implicit app summary
      if (currSummary != null && !currSummary.isClosed) {
        currSummary.add(x, idleTime);
      } else {
        currSummary = new Summary(x);
        currSummary.updateType('app');
        if (rootSummary == null || rootSummary.isClosed) rootSummary = currSummary;
      }
    }
  }
  // WFSM 189–196: end of input
  if (currSummary != null && !currSummary.isClosed) {
    currSummary.close();
    summEvents.push(...currSummary.summaryEvents);
    if (rootSummary != null && !currSummary.checkSimilarity(rootSummary) && !rootSummary.isClosed) {
      rootSummary.close();
      summEvents.push(...rootSummary.summaryEvents);
    }
  }
  return summEvents;
}
