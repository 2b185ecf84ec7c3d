/**
 * Fresh demo data answers the questions people ask of it: every insight example in the README,
 * and every question of e-Samwad's table (../shared/reference/esamwad-use-cases.md), gets a
 * non-zero answer over what `telemetry simulate` loads by default.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { simulateCommand } from '../src/commands/simulate.js';
import { sql, startTestServer, tempDir } from './helpers.js';
import { type Answer, INSIGHT_KINDS as KINDS, nonZero, README, readmeInsightExamples } from './readme-insights.js';

let server: Awaited<ReturnType<typeof startTestServer>>;
let dataDir: string;

before(async () => {
  dataDir = tempDir('demo-answers-');
  // The demo exactly as a newcomer loads it: defaults only.
  assert.equal(await simulateCommand(['--data-dir', dataDir]), 0);
  server = await startTestServer({ dataDir });
});
after(async () => {
  await server?.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

async function ask(kind: string, body: unknown): Promise<Answer> {
  const response = await fetch(`${server.url}/api/insights/${kind}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as Answer;
  assert.equal(response.status, 200, `${kind}: ${JSON.stringify(answer)}`);
  return answer;
}

const eq = (property: string, value: string | number) => ({ property, operator: 'eq', value });

test('every insight example in the README answers non-zero on fresh demo data', async () => {
  const examples = readmeInsightExamples(fs.readFileSync(README, 'utf8'));
  assert.deepEqual([...new Set(examples.map((e) => e.kind))].sort(), [...KINDS].sort(), 'one example per insight');
  for (const { kind, body } of examples) {
    const answer = await ask(kind, body);
    assert.ok(
      nonZero(kind, answer),
      `README ${kind} example ${JSON.stringify(body)} answered ${JSON.stringify(answer)}`,
    );
  }
});

describe("e-Samwad's questions get non-zero answers from the demo data", () => {
  const week = { from: '-7d' };
  const range = { from: '-8w' };

  /** Breakdown values of a trends answer that have a non-zero count. */
  const values = (a: Answer) =>
    a.series.filter((s: Answer) => s.data.some((v: number) => v > 0)).map((s: Answer) => s.breakdownValue);

  test('teachers who submitted attendance, per day, by district and by school (UDISE)', async () => {
    const series = [{ eid: 'INTERACT', math: 'unique_actors', filters: [eq('edata.id', 'submit-attendance')] }];
    for (const property of ['context.rollup.l2', 'context.rollup.l3', 'cdata.udise']) {
      const a = await ask('trends', { series, interval: 'day', dateRange: week, breakdown: { property, limit: 5 } });
      assert.ok(nonZero('trends', a));
      assert.ok(values(a).filter((v: unknown) => typeof v === 'string').length >= 2, `${property}: ${values(a)}`);
    }
  });

  test('time spent per module (page and env)', async () => {
    const a = await ask('sessions', { dateRange: { last: '7d' } });
    assert.ok(nonZero('sessions', a));
    const pages = a.by_page.filter((p: Answer) => p.time_spent > 0).map((p: Answer) => p.pageid);
    assert.ok(pages.length >= 3, `pages with time: ${pages}`);
    const byEnv = await ask('trends', {
      series: [{ eid: 'IMPRESSION', math: 'sum', property: 'edata.duration' }],
      interval: 'week',
      dateRange: range,
      breakdown: { property: 'context.env' },
    });
    assert.ok(values(byEnv).length >= 4, `envs: ${values(byEnv)}`);
  });

  test('students who submitted assignments, and where they drop off', async () => {
    const a = await ask('funnels', {
      steps: [
        { eid: 'IMPRESSION', filters: [eq('edata.pageid', 'assignment')] },
        { eid: 'INTERACT', filters: [eq('edata.id', 'start-assignment')] },
        { eid: 'ASSESS' },
        { eid: 'INTERACT', filters: [eq('edata.id', 'submit-assignment')] },
      ],
      dateRange: { from: '-30d' },
      windowSeconds: 86400,
      dropOff: { step: 4 },
    });
    assert.ok(nonZero('funnels', a));
    assert.ok(a.dropOff.entities.length > 0);
  });

  test('which resources are shared, how and how often', async () => {
    const byType = await ask('trends', {
      series: [{ eid: 'SHARE' }],
      interval: 'week',
      dateRange: range,
      breakdown: { property: 'edata.type' },
    });
    assert.deepEqual(values(byType).sort(), ['File', 'Link', 'Message']);
    const byItem = await ask('trends', {
      series: [{ eid: 'SHARE' }],
      interval: 'week',
      dateRange: range,
      breakdown: { property: 'edata.items.0.id', limit: 10 },
    });
    assert.ok(values(byItem).some((v: unknown) => typeof v === 'string' && v.startsWith('do_')));
  });

  test('subject and chapter selection are opened, on paths from home', async () => {
    for (const page of ['subject-selection', 'chapter-selection']) {
      const a = await ask('trends', {
        series: [{ eid: 'IMPRESSION', math: 'unique_actors', filters: [eq('edata.pageid', page)] }],
        interval: 'day',
        dateRange: week,
      });
      assert.ok(nonZero('trends', a), page);
    }
    const paths = await ask('paths', { dateRange: week, startPage: 'home', maxSteps: 4 });
    assert.ok(paths.nodes.some((n: Answer) => n.page === 'chapter-selection'));
  });

  test('logins (daily active users) and whether users come back (retention, lifecycle)', async () => {
    const dau = await ask('trends', {
      series: [{ eid: 'START', math: 'unique_actors' }],
      interval: 'day',
      dateRange: week,
    });
    assert.ok(nonZero('trends', dau));
    const start = { eid: 'START' };
    const retention = await ask('retention', {
      startEvent: start,
      returnEvent: start,
      period: 'week',
      periods: 8,
      dateRange: range,
    });
    assert.ok(nonZero('retention', retention));
    const lifecycle = await ask('lifecycle', { event: start, interval: 'week', dateRange: range });
    assert.ok(
      lifecycle.series.returning.some((v: number) => v > 0) && lifecycle.series.dormant.some((v: number) => v > 0),
    );
  });

  test('button clicks, searches with zero results, polls and feedback ratings', async () => {
    const clicks = await ask('trends', {
      series: [{ eid: 'INTERACT' }],
      interval: 'day',
      dateRange: week,
      breakdown: { property: 'edata.id', limit: 5 },
    });
    assert.ok(nonZero('trends', clicks));
    const zero = await ask('trends', {
      series: [{ eid: 'SEARCH', filters: [eq('edata.size', 0)] }],
      interval: 'week',
      dateRange: range,
    });
    const all = await ask('trends', { series: [{ eid: 'SEARCH' }], interval: 'week', dateRange: range });
    assert.ok(
      zero.series[0].total > 0 && zero.series[0].total < all.series[0].total,
      'a share of searches finds nothing',
    );
    const polls = await ask('trends', { series: [{ eid: 'ASSESS' }], interval: 'week', dateRange: range });
    assert.ok(nonZero('trends', polls));
    const rating = await ask('trends', {
      series: [{ eid: 'FEEDBACK', math: 'avg', property: 'edata.rating' }],
      interval: 'week',
      dateRange: range,
    });
    const averages = rating.series[0].data.filter((v: number | null) => v !== null);
    assert.ok(averages.length > 0 && averages.every((v: number) => v >= 1 && v <= 5));
  });

  test('interrupts, by type', async () => {
    const a = await ask('trends', {
      series: [{ eid: 'INTERRUPT' }],
      interval: 'week',
      dateRange: range,
      breakdown: { property: 'edata.type' },
    });
    assert.deepEqual(values(a).sort(), ['background', 'resume']);
  });

  test('did the last release break telemetry: rejected events by app version, with reasons', async () => {
    const rows = await sql(
      server,
      `SELECT json_extract_string(raw, '$.context.pdata.ver') AS ver, reason, count(*) FROM failed_events GROUP BY ALL`,
    );
    assert.equal(rows.length, 1, JSON.stringify(rows));
    assert.deepEqual(rows[0].slice(0, 2), ['3.4.1', 'invalid_schema']);
    assert.ok(Number(rows[0][2]) > 0);
  });

  test('did the last release break something: errors by app version', async () => {
    const a = await ask('trends', {
      series: [{ eid: 'ERROR' }],
      interval: 'week',
      dateRange: range,
      breakdown: { property: 'context.pdata.ver' },
    });
    assert.deepEqual(values(a).sort(), ['3.4.0', '3.4.1']);
  });
});
