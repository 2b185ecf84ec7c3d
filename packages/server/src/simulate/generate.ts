/**
 * The simulation: users who join over the first weeks, return in later calendar weeks at the
 * chosen rates, and walk the funnel to a depth drawn from the chosen step rates. Events come out
 * user by user, each user's in time order; the ground truth is filled in as they are produced.
 */
import { ROLES, SCHOOLS } from './app-model.js';
import { DAY_MS, expectedRetention, type SimulationParams, startMs, weekOfDay } from './params.js';
import { Random } from './random.js';
import { INVALID_EVENTS, type SessionUser, SessionWriter, type SimEvent } from './session.js';
import { GroundTruth, type UserTruth } from './truth.js';

/** Sessions start between 02:30 and 16:30 UTC (08:00–22:00 IST) and never cross midnight. */
const FIRST_START_MS = 2.5 * 3_600_000;
const START_WINDOW_MS = 14 * 3_600_000;

const ROLE_WEIGHTS = ROLES.map((r) => r.weight);

/** All events of user `index`; depends only on (params, index), never on other users. */
export function generateUser(p: SimulationParams, index: number): { events: SimEvent[]; truth: UserTruth } {
  const rng = new Random(p.seed, index + 1);
  const firstDay = startMs(p) / DAY_MS;
  const endDay = firstDay + p.days; // exclusive
  const user: SessionUser = {
    index,
    actorId: `${rng.hex(8)}-${rng.hex(4)}-4${rng.hex(3)}-8${rng.hex(3)}-${rng.hex(12)}`,
    did: rng.hex(40),
    role: ROLES[rng.weighted(ROLE_WEIGHTS)].id,
    school: rng.pick(SCHOOLS),
    updateDay: firstDay + p.releaseDay + rng.int(7),
    seq: 0,
  };
  const plannedJoin = firstDay + rng.int(p.acquisitionDays);
  // Funnel depth: step 1 with rates[0], then each further step with its rate, stopping at the first miss.
  let planned = 0;
  while (planned < p.funnelRates.length && rng.chance(p.funnelRates[planned])) planned++;

  const events: SimEvent[] = [];
  const writer = new SessionWriter(p, rng, user, events);
  // Sessions that would end after `until` (the wall clock, on the last day) are dropped whole, and
  // the truth is counted from the sessions kept: it describes what was emitted, not what was planned.
  const kept: number[] = [];
  let depth = 0;
  sessionDays(p, rng, plannedJoin, endDay).forEach((day, i) => {
    // The first session walks the funnel to the user's depth; later ones may repeat it, never go further.
    const funnel = i === 0 || rng.chance(p.funnelRepeat) ? planned : 0;
    const mark = { events: events.length, seq: user.seq };
    writer.session(day * DAY_MS + FIRST_START_MS + rng.int(START_WINDOW_MS), funnel);
    if (events[events.length - 1].ets >= p.until) {
      events.length = mark.events;
      user.seq = mark.seq;
      return;
    }
    kept.push(day);
    depth = Math.max(depth, funnel);
  });
  const activeWeeks = [...new Set(kept.map(weekOfDay))];
  return {
    events,
    truth: {
      index,
      actorId: user.actorId,
      did: user.did,
      joinDay: kept[0] ?? plannedJoin,
      funnelDepth: depth,
      activeWeeks,
      sessions: kept.length,
      events: events.length,
    },
  };
}

/**
 * The days (epoch days, ascending, at most one session a day) on which the user has a session:
 * the join day, more days in the join week, and in each later week with probability retention[k-1].
 */
function sessionDays(p: SimulationParams, rng: Random, joinDay: number, endDay: number): number[] {
  const joinWeek = weekOfDay(joinDay);
  const lastWeek = weekOfDay(endDay - 1);
  const out: number[] = [];
  for (let week = joinWeek; week <= lastWeek; week++) {
    const k = week - joinWeek;
    if (k > 0 && !rng.chance(expectedRetention(p, k))) continue;
    const monday = week * 7 - 3;
    const from = Math.max(monday, k === 0 ? joinDay + 1 : joinDay);
    const to = Math.min(monday + 6, endDay - 1);
    const free: number[] = [];
    for (let d = from; d <= to; d++) free.push(d);
    // In the join week the join day is the first session; otherwise the week needs one session at least.
    const wanted = (k === 0 ? 0 : 1) + rng.poisson(p.sessionsPerWeek - 1);
    const chosen = choose(rng, free, Math.min(wanted, free.length));
    if (k === 0) chosen.push(joinDay);
    out.push(...chosen.sort((a, b) => a - b));
  }
  return out;
}

/** `n` distinct items by a partial Fisher–Yates shuffle. */
function choose(rng: Random, items: number[], n: number): number[] {
  for (let i = 0; i < n; i++) {
    const j = i + rng.int(items.length - i);
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items.slice(0, n);
}

/** What every START mid of a seed begins with: it tells whether a seed was loaded before. */
export function startMidPrefix(p: SimulationParams): string {
  return `START:sim-${p.seed}-`;
}

/**
 * The whole simulation as a stream: `params.users` users, or users until `params.targetEvents`
 * is reached (the last user is kept whole, so the truth stays exact). `truth` is complete once
 * the stream is exhausted.
 */
export function* simulate(p: SimulationParams, truth: GroundTruth = new GroundTruth(p)): Generator<SimEvent> {
  for (let index = 0; ; index++) {
    if (p.targetEvents === undefined ? index >= p.users : truth.events >= p.targetEvents) return;
    const { events, truth: userTruth } = generateUser(p, index);
    // A user whose only sessions fell after `until` sent nothing: not a user of this traffic.
    if (userTruth.sessions === 0) continue;
    for (const event of events) truth.countEvent(event.eid, event.ets, INVALID_EVENTS.has(event));
    truth.addUser(userTruth);
    yield* events;
  }
}
