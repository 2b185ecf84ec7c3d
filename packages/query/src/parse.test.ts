/** The query parser: one grammar, paths of wrong fields, defaults filled and ranges resolved once. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatQueryErrors, jsPath, parseInsight } from './parse.js';

const NOW = Date.UTC(2024, 4, 15, 10, 30); // 2024-05-15T10:30Z

test('jsPath writes JSON pointers as JavaScript paths', () => {
  assert.equal(jsPath(''), 'query');
  assert.equal(jsPath('/series/0/filters/12/value'), 'series[0].filters[12].value');
  assert.equal(jsPath('/a~1b'), 'a/b');
});

test('a trends query comes back with its defaults and its range resolved in its zone', () => {
  const parsed = parseInsight(
    'trends',
    { series: [{ eid: 'START' }], dateRange: { from: '-1d', timezone: 'Asia/Kolkata' } },
    NOW,
  );
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.value.query, {
    series: [{ eid: 'START', math: 'total' }],
    dateRange: { from: '-1d', timezone: 'Asia/Kolkata' },
    interval: 'day',
    filters: undefined,
    breakdown: undefined,
    compare: false,
  });
  // Kolkata is UTC+5:30: local midnight of 14 May is 13 May 18:30Z.
  assert.deepEqual(parsed.value.range, { from: Date.UTC(2024, 4, 13, 18, 30), to: NOW, timezone: 'Asia/Kolkata' });
});

test('unknown keys, wrong types and bad ranges are refused with their paths, never coerced', () => {
  const reasons = (kind: Parameters<typeof parseInsight>[0], body: unknown) => {
    const parsed = parseInsight(kind, body, NOW);
    return parsed.ok ? 'accepted' : formatQueryErrors(parsed.errors);
  };
  assert.equal(reasons('funnels', { steps: [{ eid: 'A' }], dateRange: {} }), 'steps: must be a list of 2 to 10 items');
  assert.equal(
    reasons('retention', {
      startEvent: { eid: 'A', pageid: 'x' },
      returnEvent: { eid: 'B' },
      dateRange: {},
      periods: '8',
    }),
    'startEvent.pageid: is not a known field; periods: must be an integer from 1 to 60',
  );
  assert.equal(
    reasons('paths', { dateRange: { from: '2024-05-10', to: '2024-05-01' } }),
    'dateRange: from must be before to',
  );
  for (const at of ['startPoint', 'endPoint'])
    assert.equal(
      reasons('paths', { dateRange: {}, [at]: { event: { eid: '$all' } } }),
      `${at}.event.eid: $all matches every event; a path point is a page or one kind of event`,
    );
  assert.equal(
    reasons('lifecycle', { event: { eid: 'A' }, dateRange: { from: '-1y' }, interval: 'hour' }),
    'dateRange: spans more than 2000 hour intervals',
  );
  assert.equal(reasons('stickiness', null), 'query: must be an object');
  assert.equal(
    reasons('trends', {
      series: [{ eid: 'A', filters: [{ property: 'edata.rating', operator: 'eq', value: 'five' }] }],
      dateRange: {},
    }),
    'series[0].filters[0].value: edata.rating is numeric: give a number',
  );
  assert.equal(
    reasons('funnels', { steps: [{ eid: 'A' }, { eid: 'B' }], dateRange: {}, dropOff: { step: 3 } }),
    'dropOff.step: must be an integer from 2 to 2',
  );
});

test('funnel options that do not fit the steps or the order are refused with their paths', () => {
  const steps = [{ eid: 'A' }, { eid: 'B' }];
  const funnel = (extra: Record<string, unknown>) => {
    const parsed = parseInsight('funnels', { steps, dateRange: {}, ...extra }, NOW);
    return parsed.ok ? 'accepted' : formatQueryErrors(parsed.errors);
  };
  assert.equal(
    funnel({ stepOrder: 'any', exclusions: [{ eid: 'X', fromStep: 1, toStep: 2 }] }),
    'exclusions[0]: exclusions need stepOrder ordered or strict',
  );
  assert.equal(
    funnel({ exclusions: [{ eid: 'X', fromStep: 1, toStep: 3 }] }),
    'exclusions[0].toStep: must be an integer from 2 to 2',
  );
  assert.equal(
    funnel({ breakdownAttribution: 'step' }),
    'breakdownAttributionStep: is required with breakdownAttribution step',
  );
  assert.equal(funnel({ breakdownAttributionStep: 1 }), 'breakdownAttributionStep: needs breakdownAttribution step');
  assert.equal(funnel({ conversionTime: { fromStep: 2 } }), 'conversionTime.fromStep: must be below toStep');
  assert.equal(funnel({ stepActors: { step: 3 } }), 'stepActors.step: must be an integer from 1 to 2');
  assert.equal(funnel({ stepOrder: 'random' }), 'stepOrder: must be one of ordered, strict, any');
  const parsed = parseInsight('funnels', { steps, dateRange: {} }, NOW);
  assert.ok(parsed.ok);
  assert.equal(parsed.value.query.stepOrder, 'ordered');
});

test('a retention drill-down names a cell the answer has: a cohort of the range, a period begun by its end', () => {
  // Five daily cohorts (10 to 14 March); the last has only its period 0 by the range's end.
  const cell = (actors: Record<string, number>) => {
    const q = {
      startEvent: { eid: 'A' },
      returnEvent: { eid: 'A' },
      dateRange: { from: '2024-03-10', to: '2024-03-14' },
    };
    const parsed = parseInsight('retention', { ...q, actors }, NOW);
    return parsed.ok ? 'accepted' : formatQueryErrors(parsed.errors);
  };
  assert.equal(cell({ cohort: 0, period: 4 }), 'accepted');
  assert.equal(cell({ cohort: 4, period: 0 }), 'accepted');
  assert.equal(
    cell({ cohort: 5, period: 0 }),
    'actors.cohort: must be below 5, the number of cohorts in the date range',
  );
  assert.equal(cell({ cohort: 3, period: 2 }), "actors.period: cohort 3 has periods 0 to 1 by the range's end");
  assert.equal(cell({ cohort: 0, period: 8 }), 'actors.period: must be below periods');
});

test('the sessions insight shares the grammar and leaves an absent end open', () => {
  const parsed = parseInsight('sessions', { dateRange: { to: '2024-05-14' } }, NOW);
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.value.range, { from: null, to: Date.UTC(2024, 4, 15), timezone: 'UTC' });
  assert.equal(parsed.value.legacyAnswer, false);
  const none = parseInsight('sessions', undefined, NOW);
  assert.ok(none.ok);
  assert.deepEqual(none.value.range, { from: null, to: null, timezone: 'UTC' });
});

test('the sessions insight refuses an empty channel or app list, which would match nothing', () => {
  for (const key of ['channel', 'pdataId', 'pdata_id']) {
    const parsed = parseInsight('sessions', { [key]: [] }, NOW);
    assert.ok(!parsed.ok, key);
    assert.ok(
      parsed.errors.some((e) => e.path === key),
      JSON.stringify(parsed.errors),
    );
    assert.ok(parseInsight('sessions', { [key]: ['c1'] }, NOW).ok, key);
  }
});

test("the deprecated dateRange.last: refused beside from or to, and its hint gives the same span in from's grammar", () => {
  for (const dateRange of [
    { last: '7d', to: '2024-05-14' },
    { last: '7d', from: '-3d' },
    { last: '7d', from: 'garbage', to: '2026-02-30' },
  ]) {
    const parsed = parseInsight('sessions', { dateRange }, NOW);
    assert.ok(!parsed.ok, JSON.stringify(dateRange));
    assert.ok(
      parsed.errors.some((e) => e.path === 'dateRange.last' && e.message === 'give dateRange.from (and to) only'),
      JSON.stringify(parsed.errors),
    );
  }
  const hint = (last: string) => {
    const parsed = parseInsight('sessions', { dateRange: { last } }, NOW);
    assert.ok(parsed.ok);
    return parsed.value.deprecated;
  };
  assert.deepEqual(hint('7d'), ['dateRange.last (use dateRange.from: "-7d")']);
  assert.deepEqual(hint('2w'), ['dateRange.last (use dateRange.from: "-2w")']);
  // "-30m" in from is 30 months: minutes have no relative form there.
  assert.deepEqual(hint('30m'), ['dateRange.last (use dateRange.from: a date-time; "-1m" there is a month)']);
});

test('a range far too long for its interval is refused without listing its buckets (a 64 MB heap is enough)', async () => {
  // ~70 million hourly buckets to the year 9999: listing them first took seconds and ~1.5 GB, blocking the server.
  const script = `
    import { parseInsight } from ${JSON.stringify(new URL('./parse.ts', import.meta.url).href)};
    const range = { from: '1970-01-01', to: '9999-12-31' };
    const answers = [
      parseInsight('trends', { series: [{ eid: 'A' }], interval: 'hour', dateRange: range }),
      parseInsight('lifecycle', { event: { eid: 'A' }, interval: 'hour', dateRange: range }),
      parseInsight('retention', { startEvent: { eid: 'A' }, returnEvent: { eid: 'A' }, period: 'day', dateRange: range }),
    ];
    console.log(JSON.stringify(answers.map((a) => (a.ok ? 'accepted' : a.errors.map((e) => e.path + ': ' + e.message).join('; ')))));`;
  const { execFileSync } = await import('node:child_process');
  const out = execFileSync(
    process.execPath,
    ['--max-old-space-size=64', '--import', 'tsx', '--input-type=module', '--eval', script],
    { encoding: 'utf8' },
  );
  assert.deepEqual(JSON.parse(out), [
    'dateRange: spans more than 2000 hour intervals',
    'dateRange: spans more than 2000 hour intervals',
    'dateRange: spans more than 2000 day intervals',
  ]);
});
