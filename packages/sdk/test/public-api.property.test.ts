/**
 * Property (issue 9): whatever values a host passes to any public method — cycles, BigInts, functions, symbols,
 * huge strings, deep nesting, throwing getters and proxies — no call throws, no promise rejects, nothing reaches the
 * process as an unhandled error, and clean events tracked in between still arrive in the store exactly once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { autocapture, trackAppState } from '../src/autocapture.js';
import { createFacade } from '../src/facade.js';
import { createTelemetry, EIDS, memoryStorage, type TelemetryClient } from '../src/index.js';
import { collector, hostFailures } from './helpers.js';

function cyclic(): unknown {
  const o: Record<string, unknown> = { type: 'CLICK', id: 'c', list: [] };
  (o.list as unknown[]).push(o);
  o.self = o;
  return o;
}
function nested(depth: number): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = i % 2 ? { v } : [v];
  return v;
}
const trap = () =>
  new Proxy(
    {},
    {
      // String keys throw (what our code reads); symbols answer, so fast-check itself can handle the value.
      get(_t, key) {
        if (typeof key === 'string') throw new Error('get trap');
        return undefined;
      },
      ownKeys() {
        throw new Error('ownKeys trap');
      },
    },
  );
const throwingGetter = () => ({
  type: 'CLICK',
  get id() {
    throw new Error('getter');
  },
});
const throwingToJSON = () => ({
  toJSON() {
    throw new Error('toJSON');
  },
});

/** Values a host may pass by mistake or by malice. */
const hostile: fc.Arbitrary<unknown> = fc.oneof(
  fc.anything({
    withBigInt: true,
    withNullPrototype: true,
    withMap: true,
    withSet: true,
    withTypedArray: true,
    withSparseArray: true,
    withBoxedValues: true,
    withDate: true,
    maxDepth: 3,
  }),
  fc.constant(null),
  fc.constant(undefined),
  fc.bigInt().map((b) => ({ type: 'CLICK', id: 'big', extra: { b } })),
  fc.func(fc.anything()),
  fc.string().map((s) => Symbol(s)),
  fc.string({ minLength: 1, maxLength: 3 }).map((s) => ({ type: 'CLICK', id: s.repeat(200_000) })),
  fc.integer({ min: 50, max: 3000 }).map(nested),
  fc.constant(0).map(cyclic),
  fc.constant(0).map(trap),
  fc.constant(0).map(throwingGetter),
  fc.constant(0).map(throwingToJSON),
);

const METHODS = [
  ...EIDS.map((e) => e.toLowerCase()),
  'track',
  'set',
  'flush',
  'endSession',
  'optIn',
  'stats',
  'onHide',
] as const;
const command = fc.record({
  method: fc.constantFrom(...METHODS),
  args: fc.array(hostile, { maxLength: 3 }),
});

/** A marker: clean, with every default that set() may have changed overridden for this one event. */
function marker(t: TelemetryClient, id: string) {
  t.track(
    'INTERACT',
    { type: 'CLICK', id },
    {
      context: {
        channel: 'prop',
        pdata: { id: 'prop.app', ver: '1', pid: '' },
        env: 'prop',
        sid: 's',
        did: 'd',
        cdata: [],
        rollup: {},
      },
      actor: { id: 'u', type: 'User' },
      object: { id: 'o', type: 'T', ver: '1', rollup: {} },
      tags: [],
      cdata: [],
    },
  );
}

describe('every public method, fed arbitrary values', { timeout: 300_000 }, () => {
  let c: Awaited<ReturnType<typeof collector>>;
  before(async () => {
    c = await collector();
  });
  after(() => c.close());

  test('the client: nothing thrown or rejected, and clean events in between arrive exactly once', async () => {
    const failures = await hostFailures(async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(command, { minLength: 1, maxLength: 12 }),
          fc.integer({ min: 1, max: 20 }),
          async (cmds, batchSize) => {
            const markers: string[] = [];
            const t = createTelemetry({
              url: c.endpoint,
              storage: memoryStorage(),
              batchSize,
              flushIntervalMs: 50,
              beforeSend: (e) => {
                if (e.context.channel === 'prop') markers.push(e.mid);
                return e;
              },
            });
            for (const [i, cmd] of cmds.entries()) {
              marker(t, 'm' + i);
              const fn = (t as unknown as Record<string, (...a: unknown[]) => unknown>)[cmd.method];
              const r = fn(...cmd.args);
              if (r instanceof Promise) await r; // must not reject
            }
            marker(t, 'last');
            await t.flush();
            await t.shutdown();
            assert.equal(markers.length, cmds.length + 1);
            assert.deepEqual(await c.counts(markers), Array(markers.length).fill(1));
          },
        ),
        { numRuns: 25, endOnFailure: true },
      );
    });
    assert.deepEqual(failures, []);
  });

  test('createTelemetry, optOut, shutdown, the facade and auto-capture: nothing thrown or rejected', async () => {
    // Arbitrary configs have no usable url (the facade's default is Sunbird's public host): answer locally.
    const realFetch = globalThis.fetch;
    globalThis.fetch = async () => new Response('{}', { status: 200 });
    after(() => {
      globalThis.fetch = realFetch;
    });
    const failures = await hostFailures(async () => {
      await fc.assert(
        fc.asyncProperty(hostile, fc.array(hostile, { maxLength: 4 }), async (config, args) => {
          const t = createTelemetry(config as never);
          t.optOut(...(args as []));
          t.optIn();
          autocapture(t, args[0] as never);
          trackAppState(t, args[0] as never);
          await t.shutdown();

          const facade = createFacade() as unknown as Record<string, (...a: unknown[]) => unknown>;
          const quiet = { warn: console.warn, info: console.info };
          console.warn = console.info = () => {};
          try {
            facade.initialize(config);
            for (const name of Object.keys(facade)) {
              if (typeof facade[name] !== 'function') continue;
              const r = facade[name](...args);
              if (r instanceof Promise) await r;
            }
            facade.start(args[0], args[1], args[2], args[3], args[0]);
            facade.end(args[0], args[1]);
          } finally {
            Object.assign(console, quiet);
            const client = facade.client as unknown as TelemetryClient | undefined;
            await client?.shutdown();
          }
        }),
        { numRuns: 150, endOnFailure: true },
      );
    });
    assert.deepEqual(failures, []);
  });
});
