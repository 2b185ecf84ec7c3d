/** One START/END (or implicit app) summary while it is open: its time spent, counts and place in the tree. */
import { roundHalfUp } from './round.js';
import type { StreamEvent, SummaryRow } from './types.js';

/** INTERACT `edata.type`s that count as interactions (Sunbird Summary.interactTypes). */
const INTERACT_TYPES = new Set([
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
]);

function isInteraction(event: StreamEvent): boolean {
  return event.eid === 'INTERACT' && INTERACT_TYPES.has((event.edata_type ?? '').toLowerCase());
}

export function sameIgnoringCase(a: string | null, b: string | null): boolean {
  return a === null || b === null ? a === b : a.toLowerCase() === b.toLowerCase();
}

export class SummaryNode {
  type: string;
  mode: string;
  parent: SummaryNode | null = null;
  readonly children: SummaryNode[] = [];
  closed = false;
  startTime: number;
  endTime = 0;
  /** Sum of the rounded gaps; rounded again only when emitted, as Sunbird does. */
  timeSpent = 0;
  interactions: number;
  eventCounts = new Map<string, number>();
  /** The time of the last event this node saw: survives a session break, so the next gap counts zero. */
  previousEts: number;
  /**
   * The rows this node hands upward when someone emits it: its own (if it had time) and those of the
   * children it closed. Sunbird keeps this buffer per node; which buffers reach the output is its rule.
   */
  rows: SummaryRow[] = [];

  constructor(
    readonly first: StreamEvent,
    private readonly idleSeconds: number,
  ) {
    this.type = first.edata_type === null ? 'app' : first.edata_type.toLowerCase();
    this.mode = first.edata_mode ?? '';
    this.startTime = first.ets;
    this.previousEts = first.ets;
    this.interactions = isInteraction(first) ? 1 : 0;
    this.eventCounts.set(first.eid, 1);
  }

  /** Counts one event here and in every ancestor; each node measures the gap from its own last event. */
  add(event: StreamEvent): void {
    if (this.startTime === 0) this.startTime = event.ets;
    const gap = (event.ets - this.previousEts) / 1000;
    this.previousEts = event.ets;
    // A gap over the idle time counts zero (not capped); each gap is rounded before it is summed.
    this.timeSpent += roundHalfUp(gap > this.idleSeconds ? 0 : gap, 2);
    if (isInteraction(event)) this.interactions += 1;
    this.eventCounts.set(event.eid, (this.eventCounts.get(event.eid) ?? 0) + 1);
    this.endTime = event.ets;
    this.parent?.add(event);
  }

  /** Nests `child` here; the child's first event is counted in this node too (so a START counts twice). */
  adopt(child: SummaryNode): void {
    this.children.push(child);
    child.parent = this;
    this.add(child.first);
  }

  /** Closes open children first; the rows survive only if this node has time spent. */
  close(): void {
    const childRows: SummaryRow[] = [];
    for (const child of this.children) {
      if (child.closed) continue;
      child.close();
      // Loops, not push(...rows): a long-lived stream's rows can outgrow the argument stack.
      for (const row of child.rows) childRows.push(row);
    }
    if (this.timeSpent > 0) {
      for (const row of childRows) this.rows.push(row);
      this.rows.push(this.toRow());
    }
    this.closed = true;
  }

  /** After a session break: the node is reused, keeping type, mode, first event and previous time. */
  reset(): void {
    for (const child of this.children) child.reset();
    this.startTime = 0;
    this.endTime = 0;
    this.timeSpent = 0;
    this.interactions = 0;
    this.eventCounts = new Map();
    this.rows = [];
    this.closed = false;
  }

  /** The chain from this node to the top, nearest first. */
  *chain(): Generator<SummaryNode> {
    for (let node: SummaryNode | null = this; node; node = node.parent) yield node;
  }

  top(): SummaryNode {
    let node: SummaryNode = this;
    while (node.parent) node = node.parent;
    return node;
  }

  /** Sunbird's checkSimilarity: same type and mode (ignoring case) and the same start time. */
  similar(other: SummaryNode): boolean {
    return this.type === other.type && sameIgnoringCase(this.mode, other.mode) && this.startTime === other.startTime;
  }

  private toRow(): SummaryRow {
    let depth = 0;
    for (let node = this.parent; node; node = node.parent) depth++;
    const interactions = this.interactions;
    const perMinute =
      interactions === 0 || this.timeSpent === 0
        ? 0
        : this.timeSpent < 60
          ? interactions
          : roundHalfUp(interactions / (this.timeSpent / 60), 2);
    let eventCount = 0;
    for (const n of this.eventCounts.values()) eventCount += n;
    return {
      actor_id: this.first.actor_id ?? '',
      sid: this.first.sid ?? '',
      type: this.type,
      mode: this.mode,
      depth,
      start_time: this.startTime,
      end_time: this.endTime,
      time_diff: roundHalfUp((this.endTime - this.startTime) / 1000, 2),
      time_spent: roundHalfUp(this.timeSpent, 2),
      interact_events_count: interactions,
      interact_events_per_min: perMinute,
      events_summary: Object.fromEntries(this.eventCounts),
      event_count: eventCount,
      object_id: this.first.object_id,
      object_type: this.first.object_type,
    };
  }
}
