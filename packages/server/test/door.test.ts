/**
 * One reading at the door (docs/ingestion.md): each input the collector and the store would read
 * differently, or the store could not load, is answered 200 and kept in failed_events with its
 * reason; what is accepted has the same value in its column, in SQL over `raw` and in
 * /api/events; and a valid event sent right after each becomes queryable (nothing is wedged).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually, interact, postBatch, sql, startTestServer } from './helpers.js';

// biome-ignore lint/suspicious/noExplicitAny: the tests edit arbitrary paths of a JSON event
type Json = Record<string, any>;

const TOKEN = 'tok';
const auth = { authorization: `Bearer ${TOKEN}` };
let server: Awaited<ReturnType<typeof startTestServer>>;
before(async () => {
  server = await startTestServer({ adminToken: TOKEN });
});
after(async () => {
  await server?.close();
});

let seq = 0;
/** A unique string to find an event by in `raw`. */
function marker(): string {
  return `door-${process.pid}-${++seq}`;
}

interface IngestBody {
  result: { received: number; stored: number; rejected: number; errors: { index: number; code: string }[] };
}

/** Posts `raw` (one event's JSON text) as a one-event batch; returns the response body. */
async function post(raw: string): Promise<IngestBody> {
  const response = await postBatch(server, `{"id":"api.sunbird.telemetry","ver":"3.0","events":[${raw}]}`);
  assert.equal(response.status, 200, await response.clone().text());
  return (await response.json()) as IngestBody;
}

/** Sends a valid event and waits (generously) until the store has it: the pipeline is not blocked. */
async function nextValidIsQueryable(): Promise<void> {
  const event = interact();
  const response = await postBatch(server, { events: [event] });
  assert.equal(response.status, 200);
  await eventually(async () => {
    const rows = await sql(server, `SELECT count(*) FROM events WHERE mid = '${event.mid}'`, TOKEN);
    return Number(rows[0][0]) === 1;
  }, 30_000);
}

/** The reason of the failed_events row holding `mark` (served by /api/failed-events), once loaded. */
async function failedReason(mark: string): Promise<string> {
  let reason = '';
  await eventually(async () => {
    const response = await fetch(`${server.url}/api/failed-events?limit=500`, { headers: auth });
    assert.equal(response.status, 200);
    const page = (await response.json()) as { items: { reason: string; raw: string }[] };
    const found = page.items.filter((item) => item.raw.includes(mark));
    assert.ok(found.length <= 1, 'kept once');
    reason = found[0]?.reason ?? '';
    return found.length === 1;
  }, 30_000);
  return reason;
}

async function storedCount(mark: string): Promise<number> {
  const rows = await sql(server, `SELECT count(*) FROM events WHERE raw LIKE '%${mark}%'`, TOKEN);
  return Number(rows[0][0]);
}

/** Posts one event's text; asserts the answer, that it is in failed_events with `reason` and not in events. */
async function expectRejected(raw: string, mark: string, reason: string): Promise<void> {
  const body = await post(raw);
  assert.equal(body.result.received, 1);
  assert.equal(body.result.stored, 0, raw.slice(0, 200));
  assert.equal(body.result.rejected, 1);
  assert.equal(body.result.errors[0].code, reason, raw.slice(0, 200));
  assert.equal(await failedReason(mark), reason);
  assert.equal(await storedCount(mark), 0);
  await nextValidIsQueryable();
}

/** An INTERACT event carrying `mark`, with `edit` applied, as JSON text with `"__DUP__"` renamed to `key`. */
function eventText(mark: string, edit: (event: Json) => void = () => {}): string {
  const event: Json = interact({
    mid: `INTERACT:${mark}`,
    object: { id: 'o1', type: 'Content', ver: '1', rollup: { l1: 'r1' } },
    tags: ['t1'],
  });
  event.context.cdata = [{ type: 'school', id: 'sch-1' }];
  event.context.rollup = { l1: 'r1' };
  event.edata.extra = { mark };
  edit(event);
  return JSON.stringify(event);
}

/** A path's parent object inside `event`, creating missing objects. */
function parentOf(event: Json, path: string[]): Json {
  let at = event;
  for (const key of path.slice(0, -1)) at = at[key] ??= {};
  return at;
}

describe('duplicate keys on every column-backed field', () => {
  const paths = [
    'mid',
    'eid',
    'ets',
    'ver',
    'actor.id',
    'actor.type',
    'context.channel',
    'context.pdata.id',
    'context.pdata.ver',
    'context.pdata.pid',
    'context.env',
    'context.sid',
    'context.did',
    'context.cdata.0.type',
    'context.cdata.0.id',
    'object.id',
    'object.type',
    'object.ver',
    'tags',
    'edata.type',
    'edata.subtype',
    'edata.mode',
    'edata.id',
    'edata.pageid',
    'edata.uri',
    'edata.duration',
    'edata.rating',
    'edata.query',
  ];
  for (const path of paths) {
    test(path, async () => {
      const mark = marker();
      const keys = path.split('.');
      const key = keys[keys.length - 1];
      const raw = eventText(mark, (event) => {
        const parent = parentOf(event, keys);
        const value = parent[key] ?? (key === 'duration' || key === 'rating' || key === 'ets' ? 1 : 'x');
        parent[key] = value;
        parent.__DUP__ = typeof value === 'number' ? value + 1 : typeof value === 'string' ? `${value}-2` : ['t2'];
      }).replace('"__DUP__"', JSON.stringify(key));
      await expectRejected(raw, mark, 'duplicate_key');
    });
  }

  test('the issue input: two ids and two mids, one spelled with an escape, are one key each', async () => {
    const mark = marker();
    const raw = eventText(mark, (event) => {
      event.edata.id = 'status-400';
      event.edata.__DUP__ = 'status-200';
      event.__MID2__ = `INTERACT:${mark}-b`;
    })
      .replace('"__DUP__"', '"id"')
      .replace('"__MID2__"', '"m\\u0069d"');
    await expectRejected(raw, mark, 'duplicate_key');
  });
});

describe('invalid UTF-16 anywhere in the event, keys too', () => {
  const cases: Record<string, (event: Json) => void> = {
    'a high surrogate alone in a string (the issue input)': (e) => {
      e.edata.extra.query = 'x \ud83d';
    },
    'a high surrogate followed by another escape': (e) => {
      e.context.channel = 'x\ud83d\n';
    },
    'a low surrogate alone': (e) => {
      e.actor.id = '\udc00x';
    },
    'a lone surrogate in mid': (e) => {
      e.mid = `${e.mid}\ud800`;
    },
    'a lone surrogate in a key': (e) => {
      e.edata.extra['k\udbff'] = 1;
    },
    'a lone surrogate in a top-level key': (e) => {
      e['\ud83d'] = 1;
    },
  };
  for (const [name, edit] of Object.entries(cases)) {
    test(name, async () => {
      const mark = marker();
      // JSON.stringify writes a lone surrogate as a \uXXXX escape, as a browser SDK would send it.
      const raw = eventText(mark, edit);
      assert.match(raw, /\\u[dD][89a-fA-F]/);
      await expectRejected(raw, mark, 'invalid_unicode');
    });
  }

  test('a whole emoji, escaped or not, is stored and read back the same', async () => {
    const mark = marker();
    const raw = eventText(mark, (e) => {
      e.edata.id = 'a 😀 b';
    }).replace('😀', '\\ud83d\\ude00');
    const body = await post(raw);
    assert.equal(body.result.stored, 1);
    await eventually(async () => (await storedCount(mark)) === 1, 30_000);
    const rows = await sql(
      server,
      `SELECT edata_id, json_extract_string(raw, '$.edata.id') FROM events WHERE raw LIKE '%${mark}%'`,
      TOKEN,
    );
    assert.deepEqual(rows, [['a 😀 b', 'a 😀 b']]);
  });
});

describe('bytes that are not UTF-8', () => {
  /** The event's UTF-8 text with `bytes` put inside its edata.id value ("sub…mit"). */
  function withBytes(mark: string, bytes: number[]): Buffer {
    const [head, tail] = eventText(mark).split('"submit"');
    return Buffer.concat([Buffer.from(`${head}"sub`), Buffer.from(bytes), Buffer.from(`mit"${tail}`)]);
  }

  test('only the events holding them are refused (invalid_unicode), never stored changed; the rest are stored', async () => {
    const good = [marker(), marker()];
    // A byte no UTF-8 has, a CESU-8 surrogate, an overlong "/": each in an event of its own.
    const bad = [marker(), marker(), marker()];
    const sequences = [[0xff], [0xed, 0xa0, 0x80], [0xc0, 0xaf]];
    const events = [
      Buffer.from(eventText(good[0])),
      ...bad.map((mark, i) => withBytes(mark, sequences[i])),
      Buffer.from(eventText(good[1])),
    ];
    const body = Buffer.concat([
      Buffer.from('{"id":"api.sunbird.telemetry","ver":"3.0","events":['),
      ...events.flatMap((event, i) => (i === 0 ? [event] : [Buffer.from(','), event])),
      Buffer.from(']}'),
    ]);
    const response = await postBatch(server, body);
    assert.equal(response.status, 200);
    const { result } = (await response.json()) as IngestBody;
    assert.deepEqual([result.stored, result.rejected], [2, 3]);
    assert.deepEqual(
      result.errors.map((e) => [e.index, e.code]),
      [
        [1, 'invalid_unicode'],
        [2, 'invalid_unicode'],
        [3, 'invalid_unicode'],
      ],
    );
    for (const mark of bad) assert.equal(await failedReason(mark), 'invalid_unicode');
    await eventually(async () => (await storedCount(good[1])) === 1, 30_000);
    for (const mark of bad) assert.equal(await storedCount(mark), 0);
    const rows = await sql(server, `SELECT edata_id FROM events WHERE raw LIKE '%${good[0]}%'`, TOKEN);
    assert.deepEqual(rows, [['submit']]);
  });
});

describe('NUL characters', () => {
  for (const [name, edit] of Object.entries({
    'in a string': (e: Json) => {
      e.edata.id = 'a\u0000b';
    },
    'in a key': (e: Json) => {
      e.edata.extra['a\u0000'] = 1;
    },
  })) {
    test(name, async () => {
      const mark = marker();
      await expectRejected(eventText(mark, edit), mark, 'nul_character');
    });
  }
});

describe('ets at and beyond the store limits', () => {
  const rejected: Record<string, string> = {
    'nanoseconds (the issue input)': '1795950137564000000',
    microseconds: '1795950137564000',
    '2^63': '9223372036854775808',
    '2^64': '18446744073709551616',
    'one past 9999-12-31': '253402300800000',
    'negative, one ms before 1970': '-1',
    'negative, -2^63': '-9223372036854775808',
    fractional: '1790000000000.5',
    '1e308': '1e308',
  };
  for (const [name, ets] of Object.entries(rejected)) {
    test(`${name}: invalid_ets`, async () => {
      const mark = marker();
      const raw = eventText(mark).replace(/"ets":\d+/, `"ets":${ets}`);
      await expectRejected(raw, mark, 'invalid_ets');
    });
  }

  test('an integer no double holds (2^63 + 1): invalid_number, before the range', async () => {
    const mark = marker();
    await expectRejected(eventText(mark).replace(/"ets":\d+/, '"ets":9223372036854775809'), mark, 'invalid_number');
  });

  const accepted: Record<string, [string, number, string]> = {
    'the first ms of 1970': ['0', 0, '1970-01-01T00:00:00.000Z'],
    '-0': ['-0', 0, '1970-01-01T00:00:00.000Z'],
    'the last ms of 9999': ['253402300799999', 253402300799999, '9999-12-31T23:59:59.999Z'],
    'whole ms written with an exponent': ['1.79e12', 1790000000000, '2026-09-21T14:13:20.000Z'],
  };
  for (const [name, [text, ets, iso]] of Object.entries(accepted)) {
    test(`${name}: stored, the column, ts and SQL over raw agree`, async () => {
      const mark = marker();
      const body = await post(eventText(mark).replace(/"ets":\d+/, `"ets":${text}`));
      assert.equal(body.result.stored, 1);
      await eventually(async () => (await storedCount(mark)) === 1, 30_000);
      const rows = await sql(
        server,
        `SELECT ets, strftime(ts, '%Y-%m-%dT%H:%M:%S.%g') || 'Z', CAST(json_extract(raw, '$.ets') AS BIGINT)
         FROM events WHERE raw LIKE '%${mark}%'`,
        TOKEN,
      );
      assert.deepEqual(rows, [[ets, iso, ets]]);
      await nextValidIsQueryable();
    });
  }
});

describe('numbers in numeric columns', () => {
  /** Stands for a number literal JSON.stringify cannot write. */
  const NUM = '__NUM__';
  const feedback = (mark: string, field: 'duration' | 'rating', text: string): string => {
    const eid = field === 'rating' ? 'FEEDBACK' : 'END';
    return eventText(mark, (e) => {
      e.eid = eid;
      e.mid = `${eid}:${mark}`;
      e.edata = field === 'rating' ? { rating: NUM, comments: mark } : { type: 'app', duration: NUM, pageid: mark };
    }).replace(`"${NUM}"`, text);
  };
  for (const field of ['duration', 'rating'] as const) {
    for (const [text, reason] of [
      ['1e308', 'invalid_number'],
      ['9007199254740993', 'invalid_number'],
      ['1e400', 'invalid_number'],
      ['-1e308', 'invalid_number'],
    ]) {
      test(`edata.${field} ${text}: ${reason}`, async () => {
        const mark = marker();
        await expectRejected(feedback(mark, field, text), mark, reason);
      });
    }
    for (const [text, value] of [
      ['-0', 0],
      ['9007199254740991', 9007199254740991],
      ['4.5', 4.5],
    ] as const) {
      test(`edata.${field} ${text}: stored, the column and SQL over raw agree`, async () => {
        const mark = marker();
        const body = await post(feedback(mark, field, text));
        assert.equal(body.result.stored, 1);
        await eventually(async () => (await storedCount(mark)) === 1, 30_000);
        const rows = await sql(
          server,
          `SELECT edata_${field}, CAST(json_extract(raw, '$.edata.${field}') AS DOUBLE) FROM events
           WHERE raw LIKE '%${mark}%'`,
          TOKEN,
        );
        assert.deepEqual(rows, [[value, value]]);
      });
    }
  }

  test('a number beyond a double outside any column: invalid_number', async () => {
    const mark = marker();
    const raw = eventText(mark, (e) => {
      e.edata.extra.big = NUM;
    }).replace(`"${NUM}"`, '1e400');
    await expectRejected(raw, mark, 'invalid_number');
  });

  test("HEARTBEAT's free edata: a column-backed field of another type is invalid_schema", async () => {
    const mark = marker();
    const raw = eventText(mark, (e) => {
      e.eid = 'HEARTBEAT';
      e.mid = `HEARTBEAT:${mark}`;
      e.edata = { duration: '12', mark };
    });
    await expectRejected(raw, mark, 'invalid_schema');
  });
});

describe('deep nesting in every object field', () => {
  const nested = (levels: number): unknown => {
    let value: unknown = 1;
    for (let i = 0; i < levels; i++) value = i % 2 ? [value] : { d: value };
    return value;
  };
  const places: Record<string, (e: Json, deep: unknown) => void> = {
    actor: (e, deep) => {
      e.actor.deep = deep;
    },
    context: (e, deep) => {
      e.context.deep = deep;
    },
    'context.pdata': (e, deep) => {
      e.context.pdata.deep = deep;
    },
    'context.rollup': (e, deep) => {
      e.context.rollup.deep = deep;
    },
    'context.cdata': (e, deep) => {
      e.context.cdata.push(deep);
    },
    object: (e, deep) => {
      e.object.deep = deep;
    },
    'object.rollup': (e, deep) => {
      e.object.rollup.deep = deep;
    },
    tags: (e, deep) => {
      e.tags.push(deep);
    },
    edata: (e, deep) => {
      e.edata.extra.deep = deep;
    },
    'a top-level key': (e, deep) => {
      e.deep = deep;
    },
  };
  for (const [name, place] of Object.entries(places)) {
    test(`${name}: too_deep`, async () => {
      const mark = marker();
      await expectRejected(
        eventText(mark, (e) => place(e, nested(40))),
        mark,
        'too_deep',
      );
    });
  }

  test('the issue input: edata nested 6,000 levels; /api/events and failed events still answer', async () => {
    const mark = marker();
    const raw = eventText(mark).replace('"extra":{', `"extra":{"deep":${'['.repeat(6000)}${']'.repeat(6000)},`);
    await expectRejected(raw, mark, 'too_deep');
    const page = await fetch(`${server.url}/api/events?limit=500`, { headers: auth });
    assert.equal(page.status, 200);
  });

  test('at the limit (32 levels) the event is stored', async () => {
    const mark = marker();
    // the event (1) › edata (2) › extra (3) › 29 more levels = 32
    const body = await post(eventText(mark, (e) => place32(e)));
    assert.equal(body.result.stored, 1);
    await eventually(async () => (await storedCount(mark)) === 1, 30_000);
  });
  const place32 = (e: Json) => {
    e.edata.extra.deep = nested(29);
  };
});
