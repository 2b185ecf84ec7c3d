// A PostHog capture request's body, decoded and parsed directly (issue 10: reached before only through the HTTP
// suite test/posthog-capture.test.ts): every encoding and hint in PostHog's order, the inflation cap, the error
// codes, and the request shapes with their tokens and send times.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import LZString from 'lz-string';
import { ApiError } from '../../api/errors.js';
import { decodePostHogPayload, type PayloadInput } from './payload.js';
import { parsePostHogRequest } from './request.js';

const JSON_TEXT = '[{"event":"e","distinct_id":"d"}]';
const MAX = 10_000;
const decode = (input: Partial<PayloadInput>, max = MAX) =>
  decodePostHogPayload({ body: undefined, query: {}, ...input }, max);
const b64 = (data: string | Buffer) => Buffer.from(data).toString('base64');

/** Asserts that `run` rejects with the ApiError `code`. */
async function rejectsWith(run: () => Promise<unknown> | unknown, code: string, message: string) {
  await assert.rejects(
    async () => run(),
    (error: unknown) => {
      assert.ok(error instanceof ApiError, message);
      assert.equal(error.code, code, message);
      return true;
    },
  );
}

test('the body, else ?data=; gzip by header or magic bytes; hints from the query, the header or the form', async () => {
  assert.equal(await decode({ body: Buffer.from(JSON_TEXT) }), JSON_TEXT);
  assert.equal(await decode({ body: Buffer.alloc(0), query: { data: JSON_TEXT } }), JSON_TEXT, 'an empty body');
  assert.equal(await decode({ body: gzipSync(JSON_TEXT) }), JSON_TEXT, 'gzip sniffed without a header');
  assert.equal(await decode({ body: gzipSync(JSON_TEXT), contentEncoding: 'gzip' }), JSON_TEXT);
  for (const compression of ['gzip', 'gzip-js', 'GZIP']) {
    assert.equal(await decode({ body: gzipSync(JSON_TEXT), query: { compression } }), JSON_TEXT, compression);
  }
  assert.equal(await decode({ body: gzipSync(JSON_TEXT), compressionHeader: 'gzip' }), JSON_TEXT);
  for (const compression of ['lz64', 'lz-string']) {
    const body = Buffer.from(LZString.compressToBase64(JSON_TEXT));
    assert.equal(await decode({ body, query: { compression } }), JSON_TEXT, compression);
  }
  for (const compression of ['base64', 'b64']) {
    assert.equal(await decode({ body: Buffer.from(b64(JSON_TEXT)), query: { compression } }), JSON_TEXT);
  }
  assert.equal(await decode({ body: Buffer.from(b64(JSON_TEXT)) }), JSON_TEXT, 'base64 without a hint');
  assert.equal(await decode({ body: Buffer.from(b64(b64(JSON_TEXT))) }), JSON_TEXT, 'base64 twice (legacy)');
  assert.equal(await decode({ body: Buffer.from(b64(gzipSync(JSON_TEXT))) }), JSON_TEXT, 'base64 of gzip');
  const url = Buffer.from('[{"event":"??>>"}]').toString('base64url');
  assert.ok(url.includes('_') || url.includes('-'));
  assert.equal(await decode({ body: Buffer.from(url) }), '[{"event":"??>>"}]', 'base64url');
  assert.equal(await decode({ body: Buffer.from(`\ufeff${JSON_TEXT}`) }), JSON_TEXT, 'a byte-order mark dropped');
  assert.equal(await decode({ body: Buffer.from('not json!') }), 'not json!', 'left for the JSON parser to refuse');
  assert.equal(await decode({ body: Buffer.from('   ') }), '   ');
});

test('a form body: its data= field, its compression= over the query, and base64 whose + became a space', async () => {
  const form = 'application/x-www-form-urlencoded; charset=utf-8';
  const data = b64('[{"event":">>>","distinct_id":"d"}]');
  assert.ok(data.includes('+'));
  const body = Buffer.from(`data=${data.replace(/\+/g, ' ')}&compression=base64`);
  assert.equal(await decode({ body, contentType: form }), '[{"event":">>>","distinct_id":"d"}]');
  const lz = new URLSearchParams({ data: LZString.compressToBase64(JSON_TEXT), compression: 'lz64' }).toString();
  assert.equal(
    await decode({
      body: Buffer.from(lz),
      contentType: 'Application/X-WWW-Form-Urlencoded',
      query: { compression: 'b64' },
    }),
    JSON_TEXT,
  );
  const gz = new URLSearchParams({ data: b64(gzipSync(JSON_TEXT)) }).toString();
  assert.equal(
    await decode({ body: Buffer.from(gz), contentType: form, query: { compression: 'gzip-js' } }),
    JSON_TEXT,
  );
  // Plain JSON in the form keeps its spaces and its '+' (encoded either way a form encodes a space).
  const json = JSON.stringify({ event: 'signed up', distinct_id: 'user one+two', properties: { note: '1+1 = 2' } });
  assert.equal(
    await decode({ body: Buffer.from(new URLSearchParams({ data: json }).toString()), contentType: form }),
    json,
  );
  assert.equal(await decode({ body: Buffer.from(`data=${encodeURIComponent(json)}`), contentType: form }), json);
  await rejectsWith(
    () => decode({ body: Buffer.from('other=1'), contentType: form }),
    'INGEST_NOT_A_BATCH',
    'no data=',
  );
  // A byte that is not UTF-8, percent-encoded or raw, is marked as decode.ts marks it (the event is then refused),
  // never read as U+FFFD; a valid multi-byte character, encoded or raw, is itself.
  const withByte = (byte: Buffer) =>
    Buffer.concat([
      Buffer.from('data=%5B%7B%22event%22%3A%22e'),
      byte,
      Buffer.from('%22%2C%22distinct_id%22%3A%22d%22%7D%5D'),
    ]);
  for (const byte of [Buffer.from('%FF'), Buffer.from([0xff])]) {
    assert.equal(await decode({ body: withByte(byte), contentType: form }), '[{"event":"e\udcff","distinct_id":"d"}]');
  }
  for (const byte of [Buffer.from('%C3%A9'), Buffer.from('é')]) {
    assert.equal(await decode({ body: withByte(byte), contentType: form }), '[{"event":"eé","distinct_id":"d"}]');
  }
});

test('errors: no payload, an unknown hint, gzip named but not sent, bad lz-string, and every cap', async () => {
  await rejectsWith(() => decode({}), 'INGEST_NOT_A_BATCH', 'no body, no data');
  await rejectsWith(() => decode({ query: { data: '' } }), 'INGEST_NOT_A_BATCH', 'an empty data=');
  await rejectsWith(
    () => decode({ body: Buffer.from(JSON_TEXT), query: { compression: 'zstd' } }),
    'INGEST_UNSUPPORTED_ENCODING',
    'zstd',
  );
  await rejectsWith(
    () => decode({ body: Buffer.from(JSON_TEXT), query: { compression: 'gzip' } }),
    'INGEST_BAD_ENCODING',
    'gzip named, plain text sent',
  );
  await rejectsWith(
    () => decode({ body: Buffer.from('%%%'), query: { compression: 'lz64' } }),
    'INGEST_BAD_ENCODING',
    'not lz-string',
  );
  const big = `[${'{"event":"e"},'.repeat(200)}{}]`;
  assert.ok(big.length > 1000);
  await rejectsWith(
    () => decode({ body: Buffer.from(LZString.compressToBase64(big)), query: { compression: 'lz64' } }, 1000),
    'INGEST_BODY_TOO_LARGE',
    'lz-string past the cap',
  );
  assert.equal(
    await decode({ body: Buffer.from(LZString.compressToBase64(big)), query: { compression: 'lz64' } }, big.length),
    big,
    'exactly at the cap',
  );
  await rejectsWith(() => decode({ body: Buffer.from(b64(big)) }, 1000), 'INGEST_BODY_TOO_LARGE', 'base64 past it');
  assert.equal(await decode({ body: Buffer.from(b64(big)) }, big.length), big, 'base64 exactly at the cap');
  await rejectsWith(() => decode({ body: gzipSync(big) }, 1000), 'INGEST_BODY_TOO_LARGE', 'gzip past it');
});

const limits = { maxDepth: 32, maxEvents: 3 };

test('request shapes: an array, {api_key, batch, sent_at}, one event; the raw bytes of each event as sent', () => {
  const array = '[ {"event":"a", "distinct_id":"d"},\n{"event":"b","distinct_id":"d"} ]';
  const parsed = parsePostHogRequest(array, {}, limits);
  assert.deepEqual(
    parsed.items.map((item) => item.raw),
    ['{"event":"a", "distinct_id":"d"}', '{"event":"b","distinct_id":"d"}'],
  );
  assert.deepEqual(parsed.items[0].value, { event: 'a', distinct_id: 'd' });
  assert.equal(parsed.token, undefined);
  assert.equal(parsed.sentAt, undefined);
  const batch = parsePostHogRequest(
    '{"api_key":"phc_1","sent_at":"2024-01-02T03:04:05Z","batch":[{"event":"a"}]}',
    { _: '1700000000000' },
    limits,
  );
  assert.equal(batch.token, 'phc_1');
  assert.equal(batch.sentAt, Date.UTC(2024, 0, 2, 3, 4, 5), 'the body sent_at before the query');
  assert.deepEqual(
    batch.items.map((item) => item.raw),
    ['{"event":"a"}'],
  );
  const one = parsePostHogRequest('  {"event":"a","properties":{"token":"phc_2"}}\n', {}, limits);
  assert.deepEqual(
    one.items.map((item) => item.raw),
    ['{"event":"a","properties":{"token":"phc_2"}}'],
  );
  assert.equal(one.token, 'phc_2');
  assert.equal(one.items[0].reading, undefined, 'read once, no problem');
  const single = parsePostHogRequest('{"event":"a","sent_at":"2024-01-02"}', {}, limits);
  assert.equal(single.sentAt, Date.UTC(2024, 0, 2));
});

test('tokens: token, $token, api_key or properties.token; one per request; send time from _ or sent_at in ms', () => {
  const tokenOf = (event: object) => parsePostHogRequest(JSON.stringify([event]), {}, limits).token;
  assert.equal(tokenOf({ token: 'a' }), 'a');
  assert.equal(tokenOf({ $token: 'b' }), 'b');
  assert.equal(tokenOf({ api_key: 'c' }), 'c');
  assert.equal(tokenOf({ properties: { token: 'd' } }), 'd');
  assert.equal(tokenOf({ token: '', api_key: 'c' }), 'c', 'an empty token is none');
  assert.equal(tokenOf({ token: 5 }), undefined);
  assert.equal(tokenOf({ properties: 'token' }), undefined);
  assert.equal(parsePostHogRequest('[{"token":"a"},{"token":"a"},{}]', {}, limits).token, 'a', 'the same key twice');
  assert.throws(
    () => parsePostHogRequest('[{"token":"a"},{"token":"b"}]', {}, limits),
    (error: ApiError) => error.code === 'INGEST_TOKEN_INVALID',
  );
  assert.throws(
    () => parsePostHogRequest('{"api_key":"a","batch":[{"token":"b"}]}', {}, limits),
    (error: ApiError) => error.code === 'INGEST_TOKEN_INVALID',
    "the batch's key and an event's differ",
  );
  const sentAt = (query: Record<string, string>) => parsePostHogRequest('[{}]', query, limits).sentAt;
  assert.equal(sentAt({ _: '1700000000000' }), 1700000000000);
  assert.equal(sentAt({ sent_at: '1700000000001' }), 1700000000001);
  assert.equal(sentAt({ _: '1700000000000', sent_at: '1700000000001' }), 1700000000000, '_ first');
  assert.equal(sentAt({ _: '1700000000' }), undefined, 'seconds are ignored, as PostHog does');
  assert.equal(sentAt({ _: '170000000000000' }), 170000000000000, '15 digits');
  assert.equal(sentAt({ _: '1700000000000000' }), undefined, '16 digits');
  assert.equal(sentAt({ _: '1700000000000x' }), undefined);
});

test('request errors: not JSON, not an event, no events, too many; a body re-read when its spans do not match', () => {
  const codeOf = (text: string) => {
    try {
      parsePostHogRequest(text, {}, limits);
      return 'ok';
    } catch (error) {
      return (error as ApiError).code;
    }
  };
  assert.equal(codeOf('{"event":'), 'INGEST_INVALID_JSON');
  assert.equal(codeOf('null'), 'INGEST_NOT_A_BATCH');
  assert.equal(codeOf('5'), 'INGEST_NOT_A_BATCH');
  assert.equal(codeOf('[]'), 'INGEST_NOT_A_BATCH');
  assert.equal(codeOf('{"batch":[]}'), 'INGEST_NOT_A_BATCH');
  assert.equal(codeOf('[{},{},{}]'), 'ok', 'exactly maxEvents');
  assert.equal(codeOf('[{},{},{},{}]'), 'INGEST_TOO_MANY_EVENTS');
  // Nested deeper than maxDepth: the spans cannot be found, so each event is re-serialized and read again.
  const deep = `[${'['.repeat(40)}${']'.repeat(40)}]`;
  const items = parsePostHogRequest(deep, {}, limits).items;
  assert.equal(items.length, 1);
  assert.equal(items[0].raw, JSON.stringify(JSON.parse(deep)[0]));
  assert.ok(items[0].reading, 'too deep to have one reading');
});

test('request details: null events and properties, the raw bytes of a spaced event in every shape, a repeated batch key', () => {
  const lenient = parsePostHogRequest('[null, {"event":"a","properties":null}]', {}, limits);
  assert.deepEqual(
    [lenient.items.map((item) => item.value), lenient.token],
    [[null, { event: 'a', properties: null }], undefined],
    'no token, no crash: the event rules reject what is not an event',
  );
  const spaced = '{"event" : "a"}';
  const raws = (text: string) => parsePostHogRequest(text, {}, limits).items.map((item) => item.raw);
  assert.deepEqual(raws(`[ ${spaced} ]`), [spaced]);
  assert.deepEqual(raws(`{"api_key":"k","batch":[ ${spaced} ]}`), [spaced]);
  assert.deepEqual(raws(` ${spaced} `), [spaced]);
  // Two "batch" keys: JSON.parse keeps the last, and so do the raw bytes.
  const repeated = parsePostHogRequest(`{"batch":[{"event":"a"}],"batch":[${spaced},{"event":"c"}]}`, {}, limits);
  assert.deepEqual(
    repeated.items.map((item) => [item.value, item.raw]),
    [
      [{ event: 'a' }, spaced],
      [{ event: 'c' }, '{"event":"c"}'],
    ],
  );
});

test('request errors say what is wrong', () => {
  const messageOf = (text: string) => {
    try {
      parsePostHogRequest(text, {}, limits);
      return 'ok';
    } catch (error) {
      return (error as ApiError).message;
    }
  };
  assert.match(messageOf('{"event":'), /^the body is not valid JSON: /);
  assert.equal(messageOf('5'), 'the body must be an event, an array of events or {"api_key","batch":[…]}');
  assert.equal(messageOf('[]'), 'the request holds no events');
  assert.equal(messageOf('[{},{},{},{}]'), 'the request has 4 events; at most 3 are accepted per request');
  assert.equal(messageOf('[{"token":"a"},{"token":"b"}]'), 'the events of one request carry different tokens');
});

test('decoding edges: what is not base64 stays as sent, two rounds of base64 at most, hints under a gzip encoding', async () => {
  // Not JSON and not base64 (a character outside the alphabet, at the start or among non-spaces): left as sent.
  for (const text of ['!oops', 'oops!', 'a,b']) assert.equal(await decode({ body: Buffer.from(text) }), text, text);
  // Text of base64's alphabet that decodes to neither JSON nor base64 (a beacon's "garbage"): left as sent too.
  for (const text of ['garbage', 'notjson==']) assert.equal(await decode({ body: Buffer.from(text) }), text, text);
  // Legacy clients wrap twice; a third wrapping is not unwrapped.
  const thrice = b64(b64(b64(JSON_TEXT)));
  assert.equal(await decode({ body: Buffer.from(thrice) }), b64(JSON_TEXT));
  // An empty compression= is no hint.
  assert.equal(await decode({ body: Buffer.from(JSON_TEXT), query: { compression: '' } }), JSON_TEXT);
  // The body wins over ?data=.
  assert.equal(await decode({ body: Buffer.from(JSON_TEXT), query: { data: '[]' } }), JSON_TEXT);
  // A gzip Content-Encoding around lz-string: the lz64 hint still applies.
  const lz = LZString.compressToBase64(JSON_TEXT);
  assert.equal(
    await decode({ body: gzipSync(lz), contentEncoding: 'gzip', query: { compression: 'lz64' } }),
    JSON_TEXT,
  );
  // lz-string with a trailing newline, or from ?data= whose '+' a URL decoder turned into a space.
  const plus = '[{"event":"e2","distinct_id":"d14"}]';
  const lzPlus = LZString.compressToBase64(plus);
  assert.ok(lzPlus.includes('+'));
  assert.equal(await decode({ body: Buffer.from(`${lz}\n`), query: { compression: 'lz64' } }), JSON_TEXT);
  assert.equal(await decode({ query: { data: lzPlus.replace(/\+/g, ' '), compression: 'lz64' } }), plus);
});

test('payload errors say what is wrong', async () => {
  const messageOf = async (input: Partial<PayloadInput>, max = MAX) => {
    try {
      await decode(input, max);
      return 'ok';
    } catch (error) {
      return (error as ApiError).message;
    }
  };
  assert.equal(await messageOf({}), 'the request has no payload (body or ?data=)');
  assert.equal(
    await messageOf({ body: Buffer.from(JSON_TEXT), query: { compression: 'zstd' } }),
    'compression "zstd" is not supported; use gzip, gzip-js, lz64, lz-string, base64 or b64',
  );
  assert.equal(
    await messageOf({ body: Buffer.from(JSON_TEXT), query: { compression: 'gzip-js' } }),
    'compression=gzip-js but the body is not gzip data',
  );
  assert.equal(
    await messageOf({ body: Buffer.from(JSON_TEXT), compressionHeader: 'gzip' }),
    'compression=gzip but the body is not gzip data',
    'the hint from the header',
  );
  assert.equal(
    await messageOf({ body: Buffer.from('%%%'), query: { compression: 'lz64' } }),
    'the body is not valid lz-string (lz64) data',
  );
  assert.equal(
    await messageOf({ body: Buffer.from('other=1'), contentType: 'application/x-www-form-urlencoded' }),
    'the form has no "data" field',
  );
  assert.equal(
    await messageOf({ body: Buffer.from(b64('x'.repeat(2000))) }, 1000),
    'the payload decodes past the limit of 1000 bytes',
  );
});
