/**
 * Every feed pages through every row exactly once: a page cursor is unique per row, also for
 * rejected events without a mid and for identical rejected copies (issue 11, item 6).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { listEvents, listFailedEvents } from '../src/analytics/events-feed.js';
import type { Store } from '../src/store/store.js';
import { postBatch, startTestServer } from './helpers.js';
import { openMemoryStore } from './support/store.js';

describe('GET /api/failed-events', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server?.close();
  });

  /** Follows `next` from the first page to the last; every page at most `limit` rows. */
  async function allPages(query: string, limit: number): Promise<{ raw: string; mid: string | null }[][]> {
    const pages: { raw: string; mid: string | null }[][] = [];
    let before = '';
    for (let i = 0; i < 50; i++) {
      const url = `${server.url}/api/failed-events?limit=${limit}${query}${before ? `&before=${encodeURIComponent(before)}` : ''}`;
      const response = await fetch(url);
      assert.equal(response.status, 200, await response.clone().text());
      const page = (await response.json()) as { items: { raw: string; mid: string | null }[]; next?: string };
      pages.push(page.items);
      if (!page.next) return pages;
      before = page.next;
    }
    throw new Error('more than 50 pages');
  }

  test('rejected events without a mid page one by one: three rows, three pages', async () => {
    const response = await postBatch(server, '{"events":[{"eid":"FOO"},{"eid":"IMPRESSION"},5]}');
    assert.equal(response.status, 200);
    const stored = async () => (await allPages('', 500)).flat().length;
    for (let i = 0; i < 200 && (await stored()) < 3; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    const pages = await allPages('', 1);
    assert.deepEqual(
      pages.map((page) => page.length),
      [1, 1, 1],
    );
    assert.deepEqual(
      pages
        .flat()
        .map((row) => row.raw)
        .sort(),
      ['5', '{"eid":"FOO"}', '{"eid":"IMPRESSION"}'],
    );
  });

  test('a cursor that is not one of this feed, or holds a number no page gives, is refused with 400', async () => {
    for (const path of [
      '/api/failed-events?before=123:abc',
      '/api/events?before=99999999999999999999:x',
      '/api/failed-events?before=99999999999999999999:1',
      '/api/failed-events?before=1:99999999999999999999',
      // A ClickHouse store's cursor (its row key is two numbers) given to this DuckDB one, and a shape of neither.
      '/api/failed-events?before=1:2:3',
      '/api/failed-events?before=1:2:3:4',
      '/api/failed-events?before=1:2:99999999999999999999',
    ]) {
      const response = await fetch(`${server.url}${path}`);
      assert.equal(response.status, 400, path);
      const { params } = (await response.json()) as { params: { err: string; errmsg: string } };
      assert.deepEqual(
        [params.err, params.errmsg],
        ['QUERY_INVALID', 'before must be a cursor from a previous page'],
        path,
      );
    }
  });
});

describe('paging equals the whole feed, in order (property)', () => {
  let store: Store;
  before(async () => {
    store = await openMemoryStore();
  });
  after(async () => {
    await store?.close();
  });

  /** Pages through a feed with `limit`, returning every item in page order. */
  async function pageAll<T>(list: (before?: string) => Promise<{ items: T[]; next?: string }>): Promise<T[]> {
    const out: T[] = [];
    let before: string | undefined;
    for (let i = 0; i < 1000; i++) {
      const page = await list(before);
      out.push(...page.items);
      if (!page.next) return out;
      before = page.next;
    }
    throw new Error('too many pages');
  }

  test('failed events: few receive times, missing and repeated mids, identical copies', async () => {
    const row = fc.record({
      syncts: fc.integer({ min: 1, max: 3 }),
      mid: fc.constantFrom('', 'a', 'b', 'a:b'),
      raw: fc.constantFrom('5', 'null', '{"eid":"FOO"}'),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(row, { maxLength: 25 }), fc.integer({ min: 1, max: 6 }), async (rows, limit) => {
        await store.query('DELETE FROM failed_events');
        for (const r of rows) {
          await store.query(
            `INSERT INTO failed_events (syncts, mid, eid, reason, errors, batch_msgid, raw)
             VALUES ($syncts, nullif($mid, ''), NULL, 'not_object', [], NULL, $raw)`,
            r,
          );
        }
        const paged = await pageAll((before) => listFailedEvents(store, { before, limit }));
        // The reference: newest receive time first, and among equals the later insert first.
        const expected = rows
          .map((r, i) => ({ ...r, i }))
          .sort((x, y) => y.syncts - x.syncts || y.i - x.i)
          .map((r) => [r.syncts, r.mid === '' ? null : r.mid, r.raw]);
        assert.deepEqual(
          paged.map((f) => [f.syncts, f.mid, f.raw]),
          expected,
        );
      }),
      { numRuns: 60 },
    );
  });

  test('events: few receive times, mids unique per row', async () => {
    const mids = fc.uniqueArray(fc.stringMatching(/^[a-c:]{1,4}$/), { maxLength: 25 });
    await fc.assert(
      fc.asyncProperty(
        mids,
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 25, maxLength: 25 }),
        fc.integer({ min: 1, max: 6 }),
        async (unique, times, limit) => {
          await store.query('DELETE FROM events');
          for (const [i, mid] of unique.entries()) {
            await store.query(
              `INSERT INTO events (mid, eid, ets, ts, syncts, raw) VALUES ($mid, 'INTERACT', 0, epoch_ms(0), $syncts, $raw)`,
              { mid, syncts: times[i], raw: JSON.stringify({ mid }) },
            );
          }
          const paged = await pageAll((before) => listEvents(store, { before, limit }));
          const expected = unique
            .map((mid, i) => ({ mid, syncts: times[i] }))
            .sort((x, y) => y.syncts - x.syncts || (y.mid < x.mid ? -1 : y.mid > x.mid ? 1 : 0))
            .map((e) => [e.syncts, e.mid]);
          assert.deepEqual(
            paged.map((e) => [e.syncts, e.mid]),
            expected,
          );
        },
      ),
      { numRuns: 60 },
    );
  });
});
