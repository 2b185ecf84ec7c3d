import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FunnelsQuery } from '@telemetry/query';
import { runFunnels } from './funnels.js';
import { type Fixture, fixtureStore } from './test-fixture.js';

// Steps: IMPRESSION of home → INTERACT submit → END.
// u1 completes (60 s, then 120 s). u2 reaches step 2 (a cancel does not count; submit after 300 s).
// u3 only views home. u4 submitted before viewing home, so after home there is no submit: step 1.
// u5 submits two days later: outside a 1-day window, inside the default 14 days. u6 never views home.
let f: Fixture;
before(async () => {
  f = await fixtureStore([
    { eid: 'IMPRESSION', at: '2024-01-01T10:00:00Z', actor: 'u1', channel: 'web', edata: { pageid: 'home' } },
    { eid: 'INTERACT', at: '2024-01-01T10:01:00Z', actor: 'u1', channel: 'web', edata: { id: 'submit' } },
    { eid: 'END', at: '2024-01-01T10:03:00Z', actor: 'u1', channel: 'web' },
    { eid: 'IMPRESSION', at: '2024-01-01T10:00:00Z', actor: 'u2', channel: 'web', edata: { pageid: 'home' } },
    { eid: 'INTERACT', at: '2024-01-01T10:01:00Z', actor: 'u2', channel: 'web', edata: { id: 'cancel' } },
    { eid: 'INTERACT', at: '2024-01-01T10:05:00Z', actor: 'u2', channel: 'web', edata: { id: 'submit' } },
    { eid: 'IMPRESSION', at: '2024-01-01T10:00:00Z', actor: 'u3', channel: 'app', edata: { pageid: 'home' } },
    { eid: 'INTERACT', at: '2024-01-01T09:00:00Z', actor: 'u4', channel: 'app', edata: { id: 'submit' } },
    { eid: 'IMPRESSION', at: '2024-01-01T09:30:00Z', actor: 'u4', channel: 'app', edata: { pageid: 'home' } },
    { eid: 'END', at: '2024-01-01T09:40:00Z', actor: 'u4', channel: 'app' },
    { eid: 'IMPRESSION', at: '2024-01-01T10:00:00Z', actor: 'u5', channel: 'app', edata: { pageid: 'home' } },
    { eid: 'INTERACT', at: '2024-01-03T10:00:00Z', actor: 'u5', channel: 'app', edata: { id: 'submit' } },
    { eid: 'END', at: '2024-01-03T10:01:00Z', actor: 'u5', channel: 'app' },
    { eid: 'IMPRESSION', at: '2024-01-01T10:00:00Z', actor: 'u6', channel: 'app', edata: { pageid: 'search' } },
  ]);
});
after(() => f.close());

const steps: FunnelsQuery['steps'] = [
  { eid: 'IMPRESSION', label: 'home', filters: [{ property: 'edata.pageid', operator: 'eq', value: 'home' }] },
  { eid: 'INTERACT', label: 'submit', filters: [{ property: 'edata.id', operator: 'eq', value: 'submit' }] },
  { eid: 'END' },
];
const dateRange = { from: '2024-01-01', to: '2024-01-01' };

test('funnels: conversion per step, median time between steps, drop-offs at step 2', async () => {
  const result = await runFunnels(f.store, { steps, dateRange, windowSeconds: 86400, dropOff: { step: 2 } });
  assert.deepEqual(result, {
    aggregateBy: 'actor',
    steps: [
      { step: 1, label: 'home', count: 5, conversionRate: 1, stepConversionRate: 1, medianSecondsFromPrevious: null },
      {
        step: 2,
        label: 'submit',
        count: 2,
        conversionRate: 0.4,
        stepConversionRate: 0.4,
        medianSecondsFromPrevious: 180,
      },
      { step: 3, label: 'END', count: 1, conversionRate: 0.2, stepConversionRate: 0.5, medianSecondsFromPrevious: 120 },
    ],
    dropOff: { step: 2, entities: ['u3', 'u4', 'u5'] },
  });
});

test('funnels: the conversion window decides whether a late step counts', async () => {
  const result = await runFunnels(f.store, { steps, dateRange });
  // u5 now converts: step 2 medians over 60, 300, 172800 s → 300; step 3 over 120 and 60 s → 90.
  assert.deepEqual(
    result.steps.map((s) => [s.count, s.medianSecondsFromPrevious]),
    [
      [5, null],
      [3, 300],
      [2, 90],
    ],
  );
});

test('funnels: breakdown by a property of the first step, largest first', async () => {
  const result = await runFunnels(f.store, {
    steps,
    dateRange,
    windowSeconds: 86400,
    breakdown: { property: 'context.channel' },
  });
  assert.deepEqual(result.breakdown, [
    {
      value: 'app',
      steps: [
        { step: 1, label: 'home', count: 3, conversionRate: 1, stepConversionRate: 1, medianSecondsFromPrevious: null },
        {
          step: 2,
          label: 'submit',
          count: 0,
          conversionRate: 0,
          stepConversionRate: 0,
          medianSecondsFromPrevious: null,
        },
        { step: 3, label: 'END', count: 0, conversionRate: 0, stepConversionRate: 0, medianSecondsFromPrevious: null },
      ],
    },
    {
      value: 'web',
      steps: [
        { step: 1, label: 'home', count: 2, conversionRate: 1, stepConversionRate: 1, medianSecondsFromPrevious: null },
        {
          step: 2,
          label: 'submit',
          count: 2,
          conversionRate: 1,
          stepConversionRate: 1,
          medianSecondsFromPrevious: 180,
        },
        {
          step: 3,
          label: 'END',
          count: 1,
          conversionRate: 0.5,
          stepConversionRate: 0.5,
          medianSecondsFromPrevious: 120,
        },
      ],
    },
  ]);
  assert.deepEqual(
    result.steps.map((s) => s.count),
    [5, 2, 1],
  );
});
