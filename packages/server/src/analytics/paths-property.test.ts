// Paths on random small traffic: the SQL answer (links, in order) and the actors along every link equal a slow
// reference written here from the rules of docs/analytics.md (Paths), with and without a start or end point.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PathsQuery } from '@telemetry/query';
import fc from 'fast-check';
import { pathActors, runPaths } from './paths.js';
import { type FixtureEvent, fixtureStore } from './test-fixture.js';

const BASE = Date.parse('2024-03-01T00:00:00Z');

interface Ev {
  /** A page id: an IMPRESSION of it; `X`: an event X (no page). */
  what: 'a' | 'b' | 'c' | 'X';
  minute: number;
  actor: string;
  sid: string;
}

const evArb = fc.record({
  what: fc.constantFrom('a', 'b', 'c', 'X'),
  minute: fc.integer({ min: 0, max: 10 }),
  actor: fc.constantFrom('u1', 'u2', 'u3'),
  sid: fc.constantFrom('s1', 's2', 's3', 's4'),
});

type Point = { page: string } | { event: 'X' } | { event: 'IMPRESSION'; page: string };
const pointArb: fc.Arbitrary<Point> = fc.oneof(
  fc.record({ page: fc.constantFrom('a', 'b', 'c') }),
  fc.constant({ event: 'X' as const }),
  fc.record({ event: fc.constant('IMPRESSION' as const), page: fc.constantFrom('a', 'b') }),
);
interface Case {
  at?: 'start' | 'end';
  point: Point;
  max: number;
  /** Use startPage/endPage for a page point. */
  legacy: boolean;
}
const caseArb: fc.Arbitrary<Case> = fc.record({
  at: fc.option(fc.constantFrom('start' as const, 'end' as const), { nil: undefined }),
  point: pointArb,
  max: fc.integer({ min: 2, max: 4 }),
  legacy: fc.boolean(),
});

const label = (p: Point) => ('event' in p ? (p.event === 'X' ? 'X' : `view ${p.page}`) : '');

function toQuery(c: Case): PathsQuery {
  const q: PathsQuery = { dateRange: { from: '2024-03-01', to: '2024-03-01' }, maxSteps: c.max, limit: 500 };
  if (!c.at) return q;
  const p = c.point;
  if (!('event' in p)) {
    if (c.legacy) return { ...q, [c.at === 'start' ? 'startPage' : 'endPage']: p.page };
    return { ...q, [c.at === 'start' ? 'startPoint' : 'endPoint']: { page: p.page } };
  }
  const event =
    p.event === 'X'
      ? { eid: 'X' }
      : {
          eid: 'IMPRESSION',
          label: label(p),
          filters: [{ property: 'edata.pageid', operator: 'eq' as const, value: p.page }],
        };
  return { ...q, [c.at === 'start' ? 'startPoint' : 'endPoint']: { event } };
}

interface Link {
  step: number;
  source: string;
  target: string;
  actors: string[];
}

/** The rules, directly: per session its nodes in time order (then arrival order), runs collapsed, cut at the point, then every step. */
function reference(events: Ev[], c: Case): Link[] {
  const point = c.at ? c.point : undefined;
  const EVENT = '\u0000';
  const isPoint = (e: Ev) => {
    if (point === undefined || !('event' in point)) return false;
    if (point.event === 'X') return e.what === 'X';
    return e.what !== 'X' && 'page' in point && e.what === point.page;
  };
  const links = new Map<string, Link>();
  for (const sid of new Set(events.map((e) => e.sid))) {
    const seq = events
      .map((e, arrival) => ({ ...e, arrival }))
      .filter((e) => e.sid === sid)
      .sort((x, y) => x.minute - y.minute || x.arrival - y.arrival)
      .flatMap((e) =>
        isPoint(e) ? [{ node: EVENT, actor: e.actor }] : e.what === 'X' ? [] : [{ node: e.what, actor: e.actor }],
      );
    const runs = seq.filter((x, i) => i === 0 || x.node !== seq[i - 1].node);
    let w = runs.slice(0, c.max);
    let s0 = 0;
    if (point) {
      const o = runs.findIndex((x) => x.node === ('event' in point ? EVENT : point.page));
      if (o < 0) continue;
      w = c.at === 'start' ? runs.slice(o, o + c.max) : runs.slice(Math.max(0, o - c.max + 1), o + 1);
      s0 = c.at === 'start' ? 0 : c.max - w.length;
    }
    for (let i = 0; i + 1 < w.length; i++) {
      const key = JSON.stringify([s0 + i + 1, w[i].node, w[i + 1].node]);
      const link = links.get(key) ?? { step: s0 + i + 1, source: w[i].node, target: w[i + 1].node, actors: [] };
      link.actors.push(w[i + 1].actor);
      links.set(key, link);
    }
  }
  const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return [...links.values()].sort(
    (x, y) =>
      y.actors.length - x.actors.length || x.step - y.step || cmp(x.source, y.source) || cmp(x.target, y.target),
  );
}

const nodeId = (step: number, node: string, c: Case) =>
  node === '\u0000' ? `${step}_event:${label(c.point)}` : `${step}_${node}`;

test('paths: the SQL links and the actors along each equal the reference on random sessions', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(evArb, { minLength: 1, maxLength: 16 }),
      fc.array(caseArb, { minLength: 3, maxLength: 3 }),
      async (events, cases) => {
        // Events of the same minute share one ets, so their order rests on the tie-break: arrival (array) order.
        const fixture = await fixtureStore(
          events.map(
            (e, i): FixtureEvent => ({
              eid: e.what === 'X' ? 'X' : 'IMPRESSION',
              at: new Date(BASE + e.minute * 60_000).toISOString(),
              actor: e.actor,
              sid: e.sid,
              edata: e.what === 'X' ? { id: 'x' } : { pageid: e.what },
            }),
          ),
        );
        try {
          for (const c of cases) {
            const query = toQuery(c);
            const expected = reference(events, c);
            const answer = await runPaths(fixture.store, query);
            const links = expected.map((l) => ({
              source: nodeId(l.step, l.source, c),
              target: nodeId(l.step + 1, l.target, c),
              value: l.actors.length,
            }));
            assert.deepEqual(answer.links, links, JSON.stringify(c));
            for (const [i, l] of expected.entries()) {
              const perActor = new Map<string, number>();
              for (const a of l.actors) perActor.set(a, (perActor.get(a) ?? 0) + 1);
              const actors = [...perActor]
                .map(([id, n]) => ({ id, events: n }))
                .sort((x, y) => y.events - x.events || (x.id < y.id ? -1 : 1));
              const got = await pathActors(fixture.store, query, { source: links[i].source, target: links[i].target });
              assert.deepEqual(got, { count: actors.length, actors }, JSON.stringify({ c, link: links[i] }));
            }
          }
        } finally {
          await fixture.close();
        }
      },
    ),
    { numRuns: 40 },
  );
});
