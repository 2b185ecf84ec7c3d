import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StoreError } from '../store.js';
import { cleanMessage, serverCode, toStoreError } from './errors.js';

/** An error as the client throws it for 18.16's answer text. */
const old = (code: number, message: string) =>
  new Error(`Code: ${code}, e.displayText() = DB::Exception: ${message}, e.what() = DB::Exception\n`);

test('18.16 and current error texts: the code read, the decorations dropped', () => {
  assert.equal(serverCode(old(62, 'Syntax error').message), 62);
  assert.equal(cleanMessage(old(62, 'Syntax error: failed at position 9')), 'Syntax error: failed at position 9');
  assert.equal(serverCode('Code: 60. DB::Exception: Table x does not exist. (UNKNOWN_TABLE)'), 60);
  assert.equal(cleanMessage(new Error('Code: 60. DB::Exception: Table x does not exist')), 'Table x does not exist');
  assert.equal(serverCode('connect ECONNREFUSED 127.0.0.1:1'), undefined);
});

/** 18.16's answer when a shard of a Distributed table does not answer: the cause is on the lines after "Log:". */
const SHARD_DOWN = new Error(`Code: 279, e.displayText() = DB::NetException: All connection tries failed. Log: 

Code: 210, e.displayText() = DB::NetException: Connection refused (127.0.0.1:39002), e.what() = DB::NetException
Code: 210, e.displayText() = DB::NetException: Connection refused (127.0.0.1:39002), e.what() = DB::NetException

, e.what() = DB::NetException
`);

test('a shard that does not answer: its address kept from the lines after "Log:", once', () => {
  assert.equal(cleanMessage(SHARD_DOWN), 'All connection tries failed. Log: Connection refused (127.0.0.1:39002)');
  assert.equal(
    toStoreError(SHARD_DOWN).message,
    'a ClickHouse shard does not answer: All connection tries failed. Log: Connection refused (127.0.0.1:39002)',
  );
});

test('each error becomes the StoreError its cause calls for, the cause kept', () => {
  const cases: [Error, string][] = [
    [old(159, 'Timeout exceeded: elapsed 2 seconds, maximum: 1'), 'STORE_TIMEOUT'],
    [Object.assign(new Error('The operation was aborted'), { name: 'AbortError' }), 'STORE_TIMEOUT'],
    [old(164, 'Cannot insert into table in readonly mode'), 'STORE_READ_ONLY_VIOLATION'],
    [old(164, 'Table functions are forbidden in readonly mode'), 'STORE_FUNCTION_NOT_ALLOWED'],
    [old(396, 'Limit for result exceeded, max bytes: 100 B'), 'STORE_RESULT_TOO_LARGE'],
    // 18.16's own answer to `?max_memory_usage=10000000` and SELECT groupArray(number) FROM numbers(10000000).
    [
      old(
        241,
        'Memory limit (for query) exceeded: would use 11.00 MiB (attempt to allocate chunk of 4194304 bytes), maximum: 9.54 MiB',
      ),
      'STORE_OUT_OF_MEMORY',
    ],
    [old(358, 'INTO OUTFILE is not allowed'), 'STORE_FILE_ACCESS_DISABLED'],
    [old(243, 'Cannot reserve 1.00 MiB, not enough space'), 'STORE_UNAVAILABLE'],
    [new Error('connect ECONNREFUSED 127.0.0.1:1'), 'STORE_UNAVAILABLE'],
    [new Error('socket hang up'), 'STORE_UNAVAILABLE'],
    [old(46, 'Unknown function nosuch'), 'STORE_QUERY_FAILED'],
    [SHARD_DOWN, 'STORE_UNAVAILABLE'],
    [old(210, 'Connection refused (127.0.0.1:39002)'), 'STORE_UNAVAILABLE'],
    // A server's message naming a network error is still the server's refusal, not a lost connection.
    [old(47, 'Missing columns: ECONNREFUSED'), 'STORE_QUERY_FAILED'],
  ];
  for (const [error, code] of cases) {
    const wrapped = toStoreError(error);
    assert.ok(wrapped instanceof StoreError);
    assert.equal(wrapped.code, code, error.message);
    assert.equal(wrapped.cause, error);
  }
  const already = new StoreError('STORE_BUSY', 'busy');
  assert.equal(toStoreError(already), already);
});
