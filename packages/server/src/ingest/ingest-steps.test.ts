// The collector's per-event steps and body decoding called directly (issue 10: these were reached only through HTTP
// suites, too slow for mutation testing): the order and reasons of checkEvent, the byte size of multi-byte events,
// the level ceiling and its per-channel overrides, every Content-Encoding with its inflation cap, the clock offset.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { ApiError } from '../api/errors.js';
import { clockOffsetMs, DEFAULT_CLOCK_SKEW_MS } from './clock-skew.js';
import { checkColumnValues, MAX_ETS } from './column-values.js';
import { decodeBody } from './decode.js';
import { parseLevelCeiling } from './levels-config.js';
import { checkEvent, REJECTION_REASONS, type StepLimits } from './steps.js';

function event(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eid: 'INTERACT',
    ets: 1_790_000_000_000,
    ver: '3.0',
    mid: 'm-1',
    actor: { id: 'u1', type: 'User' },
    context: { channel: 'ch', pdata: { id: 'app', ver: '1', pid: 'web' }, env: 'home', sid: 's', did: 'd' },
    edata: { type: 'CLICK', id: 'submit' },
    ...overrides,
  };
}
const limits: StepLimits = { maxEventBytes: 1000, maxDepth: 10, levelFor: () => 'full' };
const check = (e: Record<string, unknown>, l = limits) => checkEvent(e, JSON.stringify(e), l, undefined);

test('checkEvent: a valid event passes; each step rejects with its reason, in order', () => {
  assert.equal(check(event()), undefined);
  // 1. size first: even an invalid event that is too large is too_large.
  const big = event({ eid: 'NOPE', edata: { type: 'x'.repeat(2000) } });
  assert.deepEqual(check(big), { reason: 'too_large', errors: ['event is larger than 1000 bytes'] });
  // 2. the reading verdict, before the schema.
  assert.deepEqual(
    checkEvent(event({ eid: 'NOPE' }), '{}', limits, { reason: 'duplicate_key', error: 'key "eid" twice' }),
    { reason: 'duplicate_key', errors: ['key "eid" twice'] },
  );
  // 3. the schema.
  const invalid = check(event({ actor: undefined }));
  assert.ok(invalid && invalid.reason !== 'too_large' && invalid.errors.length > 0, JSON.stringify(invalid));
  // 4. column values.
  const badEts = check(event({ ets: MAX_ETS + 1 }));
  assert.equal(badEts?.reason, 'invalid_ets');
  assert.equal(badEts?.errors.length, 1, 'with its reason in words');
  assert.match(badEts?.errors[0] ?? '', /ets/);
  // 5. the level ceiling of the event's channel, last.
  const basic = {
    ...limits,
    levelFor: (channel: string | undefined) => (channel === 'ch' ? 'basic' : 'full'),
  } as const;
  assert.deepEqual(check(event(), basic), {
    reason: 'above_level',
    errors: ['INTERACT is above the "basic" telemetry level of this channel'],
  });
  assert.equal(check(event({ context: { ...(event().context as object), channel: 'other' } }), basic), undefined);
  for (const reason of ['too_large', 'duplicate_key', 'invalid_ets', 'above_level', 'invalid_number'])
    assert.ok((REJECTION_REASONS as readonly string[]).includes(reason), reason);
});

test('the size limit counts UTF-8 bytes, not characters, right at the boundary', () => {
  const limit = { ...limits, maxEventBytes: 12 };
  const judge = (raw: string) => checkEvent({}, raw, limit, { reason: 'invalid_unicode', error: 'next step' })?.reason;
  assert.equal(judge('a'.repeat(12)), 'invalid_unicode', '12 bytes pass the size step');
  assert.equal(judge('a'.repeat(13)), 'too_large');
  assert.equal(judge('é'.repeat(6)), 'invalid_unicode', '6 two-byte characters are 12 bytes');
  assert.equal(judge(`${'é'.repeat(6)}a`), 'too_large', '7 characters, 13 bytes');
  assert.equal(judge('€€€€'), 'invalid_unicode', '4 three-byte characters are 12 bytes');
  assert.equal(judge('€€€€a'), 'too_large', '5 characters, 13 bytes');
});

test('column values: ets range and integers, string and number edata columns, magnitude', () => {
  assert.equal(checkColumnValues({ ets: 0 }), undefined);
  assert.equal(checkColumnValues({ ets: MAX_ETS, edata: null }), undefined);
  assert.equal(checkColumnValues({ ets: -1 })?.reason, 'invalid_ets');
  assert.equal(checkColumnValues({ ets: 1.5 })?.reason, 'invalid_ets');
  assert.match(checkColumnValues({ ets: MAX_ETS + 1 })?.error ?? '', /^\/ets: must be whole epoch milliseconds/);
  assert.equal(checkColumnValues({ ets: 1, edata: { type: null, duration: 3.5, rating: -2 } }), undefined);
  assert.deepEqual(checkColumnValues({ ets: 1, edata: { uri: 7 } }), {
    reason: 'invalid_schema',
    error: '/edata/uri: must be a string (it fills the edata_uri column)',
  });
  assert.equal(checkColumnValues({ ets: 1, edata: { duration: '3' } })?.reason, 'invalid_schema');
  assert.equal(checkColumnValues({ ets: 1, edata: { rating: Number.MAX_SAFE_INTEGER } }), undefined);
  assert.deepEqual(
    checkColumnValues({ ets: 1, edata: { rating: -(Number.MAX_SAFE_INTEGER + 2) } })?.reason,
    'invalid_number',
  );
  assert.equal(checkColumnValues({ ets: 1, edata: { duration: 1e300 } })?.reason, 'invalid_number');
  assert.equal(checkColumnValues({ ets: 1, edata: 'free text' }), undefined);
});

test('the level ceiling: a default, per-channel overrides, spaces, and unknown levels refused', () => {
  const plain = parseLevelCeiling('basic');
  assert.equal(plain('any'), 'basic');
  assert.equal(plain(undefined), 'basic');
  assert.equal(parseLevelCeiling('')('x'), 'full', 'nothing set: full');
  const mixed = parseLevelCeiling(' enhanced , a = security,b=full ,, ');
  assert.equal(mixed('a'), 'security');
  assert.equal(mixed('b'), 'full');
  assert.equal(mixed('c'), 'enhanced');
  assert.equal(mixed(undefined), 'enhanced');
  assert.equal(parseLevelCeiling('x=basic')('y'), 'full', 'overrides only: the default stays full');
  assert.throws(() => parseLevelCeiling('basic,a=loud'), /unknown telemetry level "loud" in TELEMETRY_MAX_LEVEL/);
  assert.throws(() => parseLevelCeiling('everything'), /unknown telemetry level "everything"/);
});

test('decodeBody: identity, gzip, x-gzip, deflate (zlib and raw), br, a BOM, case and spaces of the header', async () => {
  const text = '{"events":["é"]}';
  const bom = `\ufeff${text}`;
  const big = 1 << 20;
  assert.equal(await decodeBody(Buffer.from(bom), undefined, big), text);
  assert.equal(await decodeBody(Buffer.from(bom), '', big), text);
  assert.equal(await decodeBody(Buffer.from(text), ' Identity ', big), text);
  assert.equal(await decodeBody(await promisify(zlib.gzip)(bom), 'gzip', big), text);
  assert.equal(await decodeBody(await promisify(zlib.gzip)(text), ' X-GZIP', big), text);
  assert.equal(await decodeBody(await promisify(zlib.deflate)(text), 'deflate', big), text);
  assert.equal(await decodeBody(await promisify(zlib.deflateRaw)(text), 'deflate', big), text);
  assert.equal(await decodeBody(await promisify(zlib.brotliCompress)(text), 'br', big), text);
  assert.equal(await decodeBody(Buffer.from(`x${bom}`), undefined, big), `x${bom}`, 'a BOM only at the start');
});

test('decodeBody: an unsupported encoding, bad data and a body inflating past the cap are clear errors', async () => {
  const refusal = async (body: Buffer, encoding: string, max = 1 << 20) => {
    try {
      await decodeBody(body, encoding, max);
    } catch (error) {
      assert.ok(error instanceof ApiError, String(error));
      return [error.code, error.message];
    }
    assert.fail('no error');
  };
  assert.deepEqual(await refusal(Buffer.from('x'), 'compress'), [
    'INGEST_UNSUPPORTED_ENCODING',
    'Content-Encoding "compress" is not supported; use one of identity, gzip, x-gzip, deflate, br',
  ]);
  const [code, message] = await refusal(Buffer.from('not gzip'), 'gzip');
  assert.equal(code, 'INGEST_BAD_ENCODING');
  assert.match(message, /^the body is not valid gzip data: /);
  assert.equal((await refusal(Buffer.from('not deflate'), 'deflate'))[0], 'INGEST_BAD_ENCODING');
  assert.equal((await refusal(Buffer.from('not br'), 'br'))[0], 'INGEST_BAD_ENCODING');
  const bomb = Buffer.alloc(100_000, 0x20);
  for (const [encoding, zip] of [
    ['gzip', zlib.gzipSync],
    ['deflate', zlib.deflateSync],
    ['deflate', zlib.deflateRawSync],
    ['br', zlib.brotliCompressSync],
  ] as const) {
    assert.deepEqual(await refusal(zip(bomb), encoding, 1000), [
      'INGEST_BODY_TOO_LARGE',
      `the ${encoding} body inflates past the limit of 1000 bytes`,
    ]);
    assert.equal((await decodeBody(zip(bomb), encoding, 100_000)).length, 100_000, 'exactly the cap is allowed');
  }
});

test('clock offset: received − sent when beyond the bound, else 0; no offset without a usable send time', () => {
  const now = 1_790_000_000_000;
  assert.equal(DEFAULT_CLOCK_SKEW_MS, 60_000);
  assert.equal(clockOffsetMs(now, now - 60_000, 60_000), 0, 'exactly the bound is drift');
  assert.equal(clockOffsetMs(now, now - 60_001, 60_000), 60_001);
  assert.equal(clockOffsetMs(now, now + 90_000.4, 60_000), -90_000, 'a clock ahead, rounded to whole ms');
  assert.equal(clockOffsetMs(now, now + 60_000, 60_000), 0);
  for (const sent of [undefined, '1790000000000', Number.NaN, Number.POSITIVE_INFINITY, 0, -5, MAX_ETS + 1])
    assert.equal(clockOffsetMs(now, sent, 60_000), 0, String(sent));
  assert.equal(clockOffsetMs(MAX_ETS, MAX_ETS, 0), 0);
  assert.equal(clockOffsetMs(now, 1, 60_000), now - 1, 'the earliest usable send time');
  assert.equal(clockOffsetMs(now, MAX_ETS, 60_000), now - MAX_ETS, 'the latest usable send time');
});
