/**
 * Saves and restores a stream's summarizer between drains, so a drain continues a device stream
 * from its last event instead of redoing its history. Sunbird's tree survives session breaks (a
 * node keeps its type, mode, first event and last event time), so the state is the tree itself:
 * every node that can still matter, the rows they hold, which of those rows were already emitted,
 * and the open page view. JSON, because it is small once pruned and readable when debugging.
 *
 * Pruning is what keeps the state small (and a resume cheap): the walker only ever touches the
 * chains above `current` and `root` (add, close, similar, emit); any other node is reached only
 * when an ancestor closes it, and then adds rows only if it is open with time spent. A subtree with
 * no chain node and no such node can never change the output, so it is left out.
 */
import { PageTimer, type PageTimerState } from './page-time.js';
import { SummaryNode } from './summary-node.js';
import type { StreamEvent, SummarizerOptions, SummaryRow } from './types.js';
import { WorkflowSummarizer } from './workflow-summarizer.js';

interface SavedNode {
  first: StreamEvent;
  type: string;
  mode: string;
  parent: number;
  children: number[];
  closed: boolean;
  startTime: number;
  endTime: number;
  timeSpent: number;
  interactions: number;
  eventCounts: [string, number][];
  previousEts: number;
  rows: number[];
}

interface SavedStream {
  version: 1;
  previousEts: number | null;
  root: number;
  current: number;
  nodes: SavedNode[];
  /** Rows held by the nodes; null for one already emitted (stored, and never to be emitted again). */
  rows: (SummaryRow | null)[];
  page: PageTimerState;
}

export function saveState(walker: WorkflowSummarizer, pages: PageTimer): string {
  const chain = new Set<SummaryNode>();
  for (const start of [walker.current, walker.root]) for (let n = start; n; n = n.parent) chain.add(n);
  const keep = new Set<SummaryNode>();
  const seen = new Set<SummaryNode>();
  const mark = (node: SummaryNode): boolean => {
    if (seen.has(node)) return keep.has(node);
    seen.add(node);
    let needed = chain.has(node) || (!node.closed && node.timeSpent > 0);
    for (const child of node.children) if (mark(child)) needed = true;
    if (needed) keep.add(node);
    return needed;
  };
  for (const node of chain) mark(node.top());

  const index = new Map<SummaryNode, number>();
  for (const node of keep) index.set(node, index.size);
  const rowIndex = new Map<SummaryRow, number>();
  const rows: (SummaryRow | null)[] = [];
  const rowId = (row: SummaryRow) => {
    let id = rowIndex.get(row);
    if (id === undefined) {
      id = rows.length;
      rowIndex.set(row, id);
      rows.push(walker.emitted.has(row) ? null : row);
    }
    return id;
  };
  const nodes: SavedNode[] = [...keep].map((n) => ({
    first: n.first,
    type: n.type,
    mode: n.mode,
    // A kept node's parent is kept: the parent holds it in its children, and marking goes bottom-up.
    parent: n.parent ? (index.get(n.parent) as number) : -1,
    children: n.children.filter((c) => keep.has(c)).map((c) => index.get(c) as number),
    closed: n.closed,
    startTime: n.startTime,
    endTime: n.endTime,
    timeSpent: n.timeSpent,
    interactions: n.interactions,
    eventCounts: [...n.eventCounts],
    previousEts: n.previousEts,
    rows: n.rows.map(rowId),
  }));
  const at = (n: SummaryNode | null) => (n ? (index.get(n) as number) : -1);
  const saved: SavedStream = {
    version: 1,
    previousEts: walker.previousEts,
    root: at(walker.root),
    current: at(walker.current),
    nodes,
    rows,
    page: pages.state,
  };
  return JSON.stringify(saved);
}

export function restoreState(
  json: string,
  options: SummarizerOptions,
): { walker: WorkflowSummarizer; pages: PageTimer } {
  const saved = JSON.parse(json) as SavedStream;
  if (saved.version !== 1) throw new Error(`unknown summary state version ${saved.version}`);
  const walker = new WorkflowSummarizer(options);
  // Emitted rows come back as placeholders in `emitted`: emitting them again must stay a no-op.
  const rows = saved.rows.map((row) => {
    if (row) return row;
    const placeholder = {} as SummaryRow;
    walker.emitted.add(placeholder);
    return placeholder;
  });
  const nodes = saved.nodes.map((s) => {
    const node = new SummaryNode(s.first, walker.idleSeconds);
    node.type = s.type;
    node.mode = s.mode;
    node.closed = s.closed;
    node.startTime = s.startTime;
    node.endTime = s.endTime;
    node.timeSpent = s.timeSpent;
    node.interactions = s.interactions;
    node.eventCounts = new Map(s.eventCounts);
    node.previousEts = s.previousEts;
    node.rows = s.rows.map((id) => rows[id]);
    return node;
  });
  saved.nodes.forEach((s, i) => {
    nodes[i].parent = s.parent < 0 ? null : nodes[s.parent];
    for (const c of s.children) nodes[i].children.push(nodes[c]);
  });
  walker.root = saved.root < 0 ? null : nodes[saved.root];
  walker.current = saved.current < 0 ? null : nodes[saved.current];
  walker.previousEts = saved.previousEts;
  const pages = new PageTimer(options);
  pages.state = saved.page;
  return { walker, pages };
}
