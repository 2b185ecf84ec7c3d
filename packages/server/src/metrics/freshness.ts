/**
 * How fresh the answers are: for every event this process acknowledged, the time from its acknowledgement (the
 * spool's fsync, when the client got its 200) until it was loaded into `events` (visible to every query: the events
 * feed, the insights, /api/sql) and until the summarizer included it in `summaries` and `page_time` (sessions and
 * time spent). Issue 16's freshness goal: p99 ≤ 2 s to visible and ≤ 10 s to summarized under sustained load.
 *
 * Acknowledgements are counted per spool group commit (events and time), merged within MERGE_MS so a long backlog
 * (a store that is down) holds at most 1000 / MERGE_MS entries per second; a merged entry keeps the earliest time, so
 * a delay is over-stated by at most MERGE_MS, never under-stated. Loads or summarizer runs that keep failing would let
 * the segments (or loads) waiting grow without end: past MAX_WAITING the oldest two fold into one entry at their
 * earliest acknowledgement (over-stating their delays, again never under-stating). An event is summarized by the first summarizer
 * run that started after its load (a run reads the whole queue it finds: analytics/sessions/drain.ts). Segments
 * recovered at start-up (acknowledged by an earlier process) are not counted: their acknowledgement times are gone.
 */

/** Group commits of one spool segment: [acknowledged at (epoch ms), events]. */
type Commits = Array<[number, number]>;

const MERGE_MS = 50;
const MAX_WAITING = 10_000;

/** The commits of `a` and `b` as one, at the earlier's time. */
function fold(a: Commits, b: Commits): Commits {
  const events = [...a, ...b].reduce((sum, [, n]) => sum + n, 0);
  return [[Math.min(a[0][0], b[0][0]), events]];
}

/** What /health, /metrics and the dashboard show (`null` delays: no event took that step within the window). */
export interface FreshnessStatus {
  /** Acknowledged events not loaded into `events` yet. */
  unloadedEvents: number;
  /** Loaded events no summarizer run has included yet. */
  unsummarizedEvents: number;
  /** The 99th percentile, over the events loaded within the last `windowMs`, of acknowledgement → visible, ms. */
  visibleP99Ms: number | null;
  /** The same for acknowledgement → summarized, over the events summarized within the window, ms. */
  summarizedP99Ms: number | null;
  /** The window of the two percentiles, ms. */
  windowMs: number;
}

export interface FreshnessOptions {
  /** The window of the percentiles in `status()`. Default 5 minutes. */
  windowMs?: number;
  /** Each delay as it is known, in seconds, with the number of events it applies to (for /metrics histograms). */
  onVisible?: (seconds: number, events: number) => void;
  onSummarized?: (seconds: number, events: number) => void;
  now?: () => number;
}

/** Delays observed recently: [observed at (epoch ms), delay ms, events], oldest first. */
class RecentDelays {
  private samples: Array<[number, number, number]> = [];

  constructor(private readonly windowMs: number) {}

  add(at: number, delayMs: number, events: number): void {
    this.samples.push([at, delayMs, events]);
    // Bounded whether or not anyone asks for the percentile.
    if (this.samples.length > 4096) this.forget(at - this.windowMs);
  }

  private forget(before: number): void {
    const first = this.samples.findIndex(([at]) => at >= before);
    this.samples = first < 0 ? [] : this.samples.slice(first);
  }

  /** The smallest delay that at least 99 % of the window's events (up to `at`) did not exceed: weighted nearest rank. */
  p99(at: number): number | null {
    this.forget(at - this.windowMs);
    const total = this.samples.reduce((sum, [, , events]) => sum + events, 0);
    if (total === 0) return null;
    const sorted = [...this.samples].sort((a, b) => a[1] - b[1]);
    const rank = Math.ceil(0.99 * total);
    let seen = 0;
    for (const [, delayMs, events] of sorted) {
      seen += events;
      if (seen >= rank) return delayMs;
    }
    return sorted[sorted.length - 1][1];
  }
}

export class Freshness {
  private readonly unloaded = new Map<number, Commits>();
  private unsummarized: Array<{ loadedAt: number; commits: Commits }> = [];
  private unloadedEvents = 0;
  private unsummarizedEvents = 0;
  private readonly recentVisible: RecentDelays;
  private readonly recentSummarized: RecentDelays;
  private readonly now: () => number;
  private readonly windowMs: number;

  constructor(private readonly options: FreshnessOptions = {}) {
    this.now = options.now ?? Date.now;
    this.windowMs = options.windowMs ?? 5 * 60_000;
    this.recentVisible = new RecentDelays(this.windowMs);
    this.recentSummarized = new RecentDelays(this.windowMs);
  }

  /** `events` of spool segment `segment` were acknowledged at `at` (a group commit). */
  acknowledged(segment: number, events: number, at = this.now()): void {
    if (events <= 0) return;
    this.unloadedEvents += events;
    const commits = this.unloaded.get(segment) ?? [];
    this.unloaded.set(segment, commits);
    const last = commits[commits.length - 1];
    if (last && at - last[0] < MERGE_MS) last[1] += events;
    else commits.push([at, events]);
    if (this.unloaded.size > MAX_WAITING) {
      // The oldest segment folds into the next (a Map iterates in insertion order: segment order).
      const entries = this.unloaded.entries();
      const [oldest, a] = entries.next().value as [number, Commits];
      const [next, b] = entries.next().value as [number, Commits];
      this.unloaded.delete(oldest);
      this.unloaded.set(next, fold(a, b));
    }
  }

  /** Every segment up to `segment` is loaded (a load takes the oldest sealed segments, in order). */
  loaded(segment: number, at = this.now()): void {
    for (const [s, commits] of this.unloaded) {
      if (s > segment) continue;
      this.unloaded.delete(s);
      for (const [acknowledgedAt, events] of commits) {
        const delay = Math.max(0, at - acknowledgedAt);
        this.recentVisible.add(at, delay, events);
        this.options.onVisible?.(delay / 1000, events);
        this.unloadedEvents -= events;
        this.unsummarizedEvents += events;
      }
      this.unsummarized.push({ loadedAt: at, commits });
    }
    if (this.unsummarized.length > MAX_WAITING) {
      // Released with the later of the two: the earlier's events count as summarized one run late at worst.
      const [a, b] = this.unsummarized.splice(0, 2);
      this.unsummarized.unshift({ loadedAt: b.loadedAt, commits: fold(a.commits, b.commits) });
    }
  }

  /** A summarizer run that started at `startedAt` finished at `at`: it included everything loaded before it started. */
  summarized(startedAt: number, at = this.now()): void {
    const done = this.unsummarized.filter((l) => l.loadedAt <= startedAt);
    if (done.length === 0) return;
    this.unsummarized = this.unsummarized.filter((l) => l.loadedAt > startedAt);
    for (const { commits } of done) {
      for (const [acknowledgedAt, events] of commits) {
        const delay = Math.max(0, at - acknowledgedAt);
        this.recentSummarized.add(at, delay, events);
        this.options.onSummarized?.(delay / 1000, events);
        this.unsummarizedEvents -= events;
      }
    }
  }

  status(at = this.now()): FreshnessStatus {
    return {
      unloadedEvents: this.unloadedEvents,
      unsummarizedEvents: this.unsummarizedEvents,
      visibleP99Ms: this.recentVisible.p99(at),
      summarizedP99Ms: this.recentSummarized.p99(at),
      windowMs: this.windowMs,
    };
  }
}
