/** The simulator's parameters, their documented defaults, and what they imply (the test oracle). */
import type { FunnelsQuery } from '@telemetry/query';
import { ASSIGNMENT_BUTTONS, PAGES } from './app-model.js';

/** One funnel step: an IMPRESSION of a page, or an INTERACT on a button of a page. */
export interface FunnelStep {
  eid: 'IMPRESSION' | 'INTERACT';
  pageid: string;
  /** edata.id, for INTERACT steps. */
  id?: string;
}

export interface SimulationParams {
  /** PRNG seed: the same parameters and seed give byte-identical events. Default 42. */
  seed: number;
  /** Users to simulate. Default 1000. Ignored when `targetEvents` is set. */
  users: number;
  /** Stop after the first user that brings the total to at least this many events. Default unset. */
  targetEvents?: number;
  /**
   * First simulated day, UTC (YYYY-MM-DD). Default: `days - 1` days before today, so the demo ends
   * now and relative date ranges ("-7d") find it.
   */
  start: string;
  /**
   * Epoch ms: a session that would end at or after it is not emitted, so no event is dated after
   * the wall clock. Default: the time the parameters are resolved.
   */
  until: number;
  /** Simulated days. Default 56 (8 weeks). */
  days: number;
  /** Users join on a uniformly chosen day among the first `acquisitionDays`. Default 28. */
  acquisitionDays: number;
  /** Mean sessions in a week the user is active (at least 1, at most one a day). Default 2.5. */
  sessionsPerWeek: number;
  /**
   * Retention: retention[k-1] is the probability that a user is active in calendar week k after
   * the week they joined, independently per week; the last value repeats. Default
   * [0.55, 0.42, 0.36, 0.32, 0.3, 0.28, 0.27, 0.26].
   */
  retention: number[];
  /** The funnel users walk through. Default: open attendance → select class → submit attendance. */
  funnelSteps: FunnelStep[];
  /**
   * Funnel rates: rates[0] is the share of users who ever do step 1; rates[i] the probability that
   * a user who did step i goes on to step i+1. Default [0.8, 0.7, 0.6].
   */
  funnelRates: number[];
  /** Probability that a later session repeats the user's funnel progress (never beyond it). Default 0.5. */
  funnelRepeat: number;
  /** Mean pages visited per session after the home screen. Default 4. */
  pagesPerSession: number;
  /** Mean INTERACTs per page view. Default 1.2. */
  interactsPerPage: number;
  /** Probability of a SEARCH on a visit to the content library. Default 0.6. */
  searchRate: number;
  /** Probability that a SEARCH finds nothing (`edata.size` 0). Default 0.15. */
  zeroResultRate: number;
  /** Probability of a FEEDBACK on a visit to a resource. Default 0.15. */
  feedbackRate: number;
  /** Probability that a visit to the assignment screen starts the assignment. Default 0.7. */
  assignmentStartRate: number;
  /** Probability that a started assignment is submitted after its ASSESS events. Default 0.6. */
  assignmentSubmitRate: number;
  /** Probability of an ERROR on a screen view, on the previous app version. Default 0.01. */
  errorRate: number;
  /** The same on the current version, from its release on: a release that broke something. Default 0.05. */
  releaseErrorRate: number;
  /**
   * Probability that the current version sends a learning screen's IMPRESSION (env `content`)
   * without `edata.type`: invalid V3, so the collector keeps it in failed_events (the data-quality
   * view by app version). Default 0.03.
   */
  releaseInvalidRate: number;
  /** Probability that a session is interrupted (app sent to background, then resumed). Default 0.15. */
  interruptRate: number;
  /** Mean seconds between events in a session. Default 12. */
  thinkSeconds: number;
  /** context.channel. Default 'eSamwad-android-app'. */
  channel: string;
  /** context.pdata.id / ver (the current version). Default 'com.himachal.esamwad' / '3.4.1'. */
  pdataId: string;
  pdataVer: string;
  /** The version before the current one. Default '3.4.0'. */
  pdataPrevVer: string;
  /**
   * Day of the range (0 = `start`) the current version is released; each user updates within a
   * week after it. Default: 14 days before the end (0 when the range is shorter).
   */
  releaseDay: number;
}

/** The defaults that do not depend on the clock (`start` and `until` do: see resolveParams). */
export const DEFAULT_PARAMS: Omit<SimulationParams, 'start' | 'until' | 'releaseDay'> = {
  seed: 42,
  users: 1000,
  days: 56,
  acquisitionDays: 28,
  sessionsPerWeek: 2.5,
  retention: [0.55, 0.42, 0.36, 0.32, 0.3, 0.28, 0.27, 0.26],
  funnelSteps: [
    { eid: 'IMPRESSION', pageid: 'attendance' },
    { eid: 'INTERACT', pageid: 'attendance', id: 'select-class' },
    { eid: 'INTERACT', pageid: 'attendance', id: 'submit-attendance' },
  ],
  funnelRates: [0.8, 0.7, 0.6],
  funnelRepeat: 0.5,
  pagesPerSession: 4,
  interactsPerPage: 1.2,
  searchRate: 0.6,
  zeroResultRate: 0.15,
  feedbackRate: 0.15,
  assignmentStartRate: 0.7,
  assignmentSubmitRate: 0.6,
  errorRate: 0.01,
  releaseErrorRate: 0.05,
  releaseInvalidRate: 0.03,
  interruptRate: 0.15,
  thinkSeconds: 12,
  channel: 'eSamwad-android-app',
  pdataId: 'com.himachal.esamwad',
  pdataVer: '3.4.1',
  pdataPrevVer: '3.4.0',
};

export const DAY_MS = 86_400_000;

/**
 * Fills defaults and rejects parameters the generator could not honour (so the oracle stays exact).
 * `now` (epoch ms) places the default range: it ends today (UTC), and `until` defaults to `now`.
 */
export function resolveParams(overrides: Partial<SimulationParams> = {}, now = Date.now()): SimulationParams {
  const days = overrides.days ?? DEFAULT_PARAMS.days;
  const today = Math.floor(now / DAY_MS);
  const start = new Date((today - days + 1) * DAY_MS).toISOString().slice(0, 10);
  const releaseDay = Math.max(0, days - 14);
  const p: SimulationParams = { ...DEFAULT_PARAMS, start, until: now, releaseDay, ...overrides };
  const problems: string[] = [];
  const probability = (name: string, v: number) => {
    if (!(v >= 0 && v <= 1)) problems.push(`${name} must be a probability in [0, 1], got ${v}`);
  };
  if (!Number.isInteger(p.seed)) problems.push(`seed must be an integer, got ${p.seed}`);
  if (!(Number.isInteger(p.users) && p.users >= 0)) problems.push(`users must be a whole number, got ${p.users}`);
  if (p.targetEvents !== undefined && !(p.targetEvents >= 1)) problems.push('targetEvents must be at least 1');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(p.start) || Number.isNaN(Date.parse(`${p.start}T00:00:00Z`))) {
    problems.push(`start must be a date YYYY-MM-DD, got ${p.start}`);
  }
  if (!Number.isFinite(p.until)) problems.push(`until must be epoch ms, got ${p.until}`);
  if (!(Number.isInteger(p.days) && p.days >= 1)) problems.push(`days must be a whole number ≥ 1, got ${p.days}`);
  if (!(Number.isInteger(p.acquisitionDays) && p.acquisitionDays >= 1 && p.acquisitionDays <= p.days)) {
    problems.push(`acquisitionDays must be between 1 and days (${p.days}), got ${p.acquisitionDays}`);
  }
  if (!(p.sessionsPerWeek >= 1 && p.sessionsPerWeek <= 7)) problems.push('sessionsPerWeek must be in [1, 7]');
  if (p.retention.length === 0) problems.push('retention needs at least one value');
  for (const [i, v] of p.retention.entries()) probability(`retention[${i}]`, v);
  if (p.funnelSteps.length === 0 || p.funnelRates.length !== p.funnelSteps.length) {
    problems.push(`funnelRates needs one rate per funnel step (${p.funnelSteps.length}), got ${p.funnelRates.length}`);
  }
  for (const [i, v] of p.funnelRates.entries()) probability(`funnelRates[${i}]`, v);
  if (!(Number.isInteger(p.releaseDay) && p.releaseDay >= 0 && p.releaseDay <= p.days)) {
    problems.push(`releaseDay must be a whole number from 0 to days (${p.days}), got ${p.releaseDay}`);
  }
  for (const name of [
    'funnelRepeat',
    'searchRate',
    'zeroResultRate',
    'feedbackRate',
    'assignmentStartRate',
    'assignmentSubmitRate',
    'errorRate',
    'releaseErrorRate',
    'releaseInvalidRate',
    'interruptRate',
  ] as const)
    probability(name, p[name]);
  // The oracle says "a user at depth d never does step d+1": the random walk must not do it by chance.
  for (const step of p.funnelSteps) {
    if (step.eid === 'IMPRESSION' && PAGES.some((pg) => pg.id === step.pageid)) {
      problems.push(`funnel step page ${step.pageid} is also a browsing page`);
    }
    const flowButtons: string[] = Object.values(ASSIGNMENT_BUTTONS);
    if (
      step.eid === 'INTERACT' &&
      (!step.id || flowButtons.includes(step.id) || PAGES.some((pg) => pg.buttons.includes(step.id!)))
    ) {
      problems.push(`funnel INTERACT step needs an id no browsing page uses, got ${step.id}`);
    }
  }
  if (problems.length > 0) throw new Error(`invalid simulation parameters: ${problems.join('; ')}`);
  return p;
}

/** Epoch ms of the first simulated day. */
export function startMs(p: SimulationParams): number {
  return Date.parse(`${p.start}T00:00:00Z`);
}

/** Calendar week (Monday-based, like DuckDB's date_trunc('week')) of an epoch day; 1970-01-01 was a Thursday. */
export function weekOfDay(epochDay: number): number {
  return Math.floor((epochDay + 3) / 7);
}

/** The Monday (YYYY-MM-DD) starting a calendar week. */
export function weekStart(week: number): string {
  return new Date((week * 7 - 3) * DAY_MS).toISOString().slice(0, 10);
}

/** The funnel insight's steps that select exactly the simulated funnel (for tests and the bench). */
export function funnelQuerySteps(p: SimulationParams): FunnelsQuery['steps'] {
  return p.funnelSteps.map((s) => ({
    eid: s.eid,
    filters: [
      s.eid === 'IMPRESSION'
        ? { property: 'edata.pageid', operator: 'eq' as const, value: s.pageid }
        : { property: 'edata.id', operator: 'eq' as const, value: s.id ?? '' },
    ],
  }));
}

/** Expected share of users reaching each funnel step: the running product of the rates. */
export function expectedFunnel(p: SimulationParams): number[] {
  const out: number[] = [];
  let share = 1;
  for (const rate of p.funnelRates) {
    share *= rate;
    out.push(share);
  }
  return out;
}

/** Expected share of a cohort active k weeks after joining (k = 0 is everyone). */
export function expectedRetention(p: SimulationParams, k: number): number {
  if (k === 0) return 1;
  return p.retention[Math.min(k - 1, p.retention.length - 1)];
}
