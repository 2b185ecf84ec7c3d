/**
 * Sunbird's workflow summaries for one device stream (docs/sessions.md; the rules are in
 * workflow-summary-rules.md): a single pass in `ets` order over a tree of open summaries.
 * START opens (and nests), END closes, other events count in the current summary and its
 * ancestors; a gap over the session break closes the tree. The quirks are kept on purpose — our
 * numbers must equal Sunbird's (test/oracle/sunbird-workflow-summary.ts is the literal port).
 */
import { SummaryNode, sameIgnoringCase } from './summary-node.js';
import { DEFAULTS, type StreamEvent, type SummarizerOptions, type SummaryRow } from './types.js';

/**
 * The pass itself, one event at a time, so a drain can stop after the last loaded event, save the
 * tree (resume-state.ts) and continue from it when more events arrive. Fields are public for that.
 */
export class WorkflowSummarizer {
  root: SummaryNode | null = null;
  current: SummaryNode | null = null;
  /** The previous event's time, for the session-break test; null before the first event. */
  previousEts: number | null = null;
  /** Rows emitted so far, each once: the same row is often emitted again (Sunbird dedupes with distinct()). */
  readonly emitted = new Set<SummaryRow>();
  /** Rows emitted by the events pushed (final: later events cannot change them). */
  readonly output: SummaryRow[] = [];
  private sink = this.output;
  readonly idleSeconds: number;
  private readonly breakSeconds: number;

  constructor(options: SummarizerOptions = {}) {
    this.idleSeconds = options.idleSeconds ?? DEFAULTS.idleSeconds;
    this.breakSeconds = (options.sessionBreakMinutes ?? DEFAULTS.sessionBreakMinutes) * 60;
  }

  push(event: StreamEvent): void {
    // A long gap breaks the session, unless the new event is itself of type app (an app START resumes it).
    const previous = this.previousEts ?? event.ets;
    if ((event.ets - previous) / 1000 > this.breakSeconds && !sameIgnoringCase('app', event.edata_type)) {
      this.breakSession();
    }
    this.previousEts = event.ets;
    if (event.eid === 'START') this.start(event);
    else if (event.eid === 'END') this.end(event);
    else this.other(event);
  }

  /**
   * End of input: closes what is still open and returns the rows that emits. They are provisional —
   * more events would extend them — so take a snapshot before calling this; the walker is spent after.
   */
  finish(): SummaryRow[] {
    const open: SummaryRow[] = [];
    this.sink = open;
    const current = this.current;
    if (current && !current.closed) {
      this.closeAndEmit(current);
      const root = this.root;
      if (root && !current.similar(root) && !root.closed) this.closeAndEmit(root);
    }
    this.sink = this.output;
    return open;
  }

  private node(event: StreamEvent): SummaryNode {
    return new SummaryNode(event, this.idleSeconds);
  }

  private emit(node: SummaryNode): void {
    for (const row of node.rows) {
      if (this.emitted.has(row)) continue;
      this.emitted.add(row);
      this.sink.push(row);
    }
  }

  private closeAndEmit(node: SummaryNode): void {
    node.close();
    this.emit(node);
  }

  /** Closes and emits the whole tree above `current`, then clears every node for reuse. */
  private breakSession(): void {
    const current = this.current;
    if (!current || current.closed) return;
    const top = current.top();
    this.closeAndEmit(top);
    top.reset();
    this.root = top;
    current.reset();
  }

  private start(event: StreamEvent): void {
    const root = this.root;
    const current = this.current;
    if (!root || root.closed) {
      if (!sameIgnoringCase('app', event.edata_type)) {
        // A START other than app gets a synthetic app root (mode '') over it.
        const top = this.node(event);
        top.type = 'app';
        top.mode = '';
        this.root = top;
        this.current = this.node(event);
        top.adopt(this.current);
      } else {
        if (current && !current.closed) this.closeAndEmit(current);
        this.root = this.current = this.node(event);
      }
      return;
    }
    if (!current || current.closed) {
      // Listed under the root but not linked to it: its events do not count in the root.
      this.current = this.node(event);
      if (!this.current.similar(root)) root.children.push(this.current);
      return;
    }
    // Is a summary of this type (ignoring case) and mode (exactly) already open above?
    const mode = event.edata_mode ?? '';
    let match: SummaryNode | null = null;
    for (const node of current.chain()) {
      if (sameIgnoringCase(node.type, event.edata_type) && node.mode === mode) {
        match = node;
        break;
      }
    }
    if (!match) {
      this.current = this.node(event);
      current.adopt(this.current);
      return;
    }
    match.close();
    if (match.parent) {
      // Restarted below the top: the new START becomes the closed one's sibling.
      this.emit(match);
      this.current = this.node(event);
      match.parent.adopt(this.current);
      return;
    }
    // Restarted at the top: only the current node's parent's rows (or its own) are emitted here.
    this.emit(current.parent ?? current);
    this.current = this.node(event);
    if (root.closed) {
      this.emit(root);
      this.root = this.current;
    }
  }

  private end(event: StreamEvent): void {
    const current = this.current;
    const root = this.root;
    const type = event.edata_type;
    const mode = event.edata_mode ?? '';
    if (!current || !root) return;
    const chain = [...current.chain()];
    // An END that matches nothing open (type and mode, ignoring case) is ignored, even for time.
    if (!chain.some((n) => sameIgnoringCase(n.type, type) && sameIgnoringCase(n.mode, mode))) return;
    // The nearest summary of this type and exact mode; the one above it becomes current.
    const match = chain.find((n) => sameIgnoringCase(n.type, type) && n.mode === mode) ?? null;
    const next = match ? (match.parent ?? match) : chain[chain.length - 1];
    if (current.parent && next.similar(current.parent)) {
      if (current.closed) return;
      current.add(event);
      this.closeAndEmit(current);
      this.current = next;
    } else if (next.similar(root)) {
      const target = match ?? chain[chain.length - 1];
      if (target.similar(root)) {
        root.add(event);
        this.closeAndEmit(root);
        this.current = root;
      } else if (!target.closed) {
        target.add(event);
        this.closeAndEmit(target);
        this.current = next;
      }
    } else {
      if (!current.closed) {
        current.add(event);
        this.closeAndEmit(current);
      }
      this.current = next;
    }
  }

  private other(event: StreamEvent): void {
    if (this.current && !this.current.closed) {
      this.current.add(event);
      return;
    }
    // No open summary: the event opens an implicit app summary.
    this.current = this.node(event);
    this.current.type = 'app';
    if (!this.root || this.root.closed) this.root = this.current;
  }
}
