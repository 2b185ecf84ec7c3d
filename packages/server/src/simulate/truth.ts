/** The generator's ground truth: what it actually produced, counted as it goes, for tests and the bench. */
import { DAY_MS, type SimulationParams, startMs, weekOfDay, weekStart } from './params.js';

/** What one simulated user did, as planned and emitted. */
export interface UserTruth {
  index: number;
  actorId: string;
  did: string;
  /** Epoch day of the first session. */
  joinDay: number;
  /** How many funnel steps the user ever completed, in order (0 = never entered). */
  funnelDepth: number;
  /** Calendar weeks (see params.weekOfDay) in which the user had at least one session, ascending. */
  activeWeeks: number[];
  sessions: number;
  events: number;
}

export interface CohortTruth {
  /** Monday of the join week, YYYY-MM-DD. */
  week: string;
  users: number;
  /** active[k]: cohort users with a session k weeks after the join week (active[0] = users). */
  active: number[];
}

export interface TruthSummary {
  users: number;
  events: number;
  sessions: number;
  /** Valid events by eid: what the store's events table holds. */
  eventsByEid: Record<string, number>;
  /** Events emitted invalid on purpose (session.ts INVALID_EVENTS), kept in failed_events; counted in `events`. */
  invalid: number;
  /** funnelReached[i]: users who did funnel steps 1..i+1 in order, within one session. */
  funnelReached: number[];
  cohorts: CohortTruth[];
  /** Epoch ms of the earliest and latest event. */
  firstEts: number;
  lastEts: number;
}

export class GroundTruth {
  users = 0;
  events = 0;
  sessions = 0;
  eventsByEid: Record<string, number> = {};
  invalid = 0;
  funnelReached: number[];
  firstEts = Number.POSITIVE_INFINITY;
  lastEts = Number.NEGATIVE_INFINITY;
  /** Per-user detail, kept only when asked (tests), since a 10M-event run has ~100k users. */
  readonly perUser: UserTruth[] | undefined;
  private readonly cohorts = new Map<number, { users: number; active: number[] }>();
  /** The last simulated calendar week: every cohort's row runs up to it, zeros included. */
  private readonly lastWeek: number;

  constructor(params: SimulationParams, options: { keepUsers?: boolean } = {}) {
    this.funnelReached = params.funnelSteps.map(() => 0);
    this.perUser = options.keepUsers ? [] : undefined;
    this.lastWeek = weekOfDay(startMs(params) / DAY_MS + params.days - 1);
  }

  countEvent(eid: string, ets: number, invalid = false): void {
    this.events++;
    if (invalid) this.invalid++;
    else this.eventsByEid[eid] = (this.eventsByEid[eid] ?? 0) + 1;
    if (ets < this.firstEts) this.firstEts = ets;
    if (ets > this.lastEts) this.lastEts = ets;
  }

  addUser(user: UserTruth): void {
    this.users++;
    this.sessions += user.sessions;
    for (let i = 0; i < user.funnelDepth; i++) this.funnelReached[i]++;
    const joinWeek = user.activeWeeks[0];
    let cohort = this.cohorts.get(joinWeek);
    if (!cohort) {
      cohort = { users: 0, active: [] };
      this.cohorts.set(joinWeek, cohort);
    }
    cohort.users++;
    for (const week of user.activeWeeks) {
      const k = week - joinWeek;
      cohort.active[k] = (cohort.active[k] ?? 0) + 1;
    }
    this.perUser?.push(user);
  }

  summary(): TruthSummary {
    const cohorts = [...this.cohorts.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([week, c]) => ({
        week: weekStart(week),
        users: c.users,
        active: Array.from({ length: this.lastWeek - week + 1 }, (_, k) => c.active[k] ?? 0),
      }));
    return {
      users: this.users,
      events: this.events,
      sessions: this.sessions,
      eventsByEid: { ...this.eventsByEid },
      invalid: this.invalid,
      funnelReached: [...this.funnelReached],
      cohorts,
      firstEts: this.firstEts,
      lastEts: this.lastEts,
    };
  }
}
