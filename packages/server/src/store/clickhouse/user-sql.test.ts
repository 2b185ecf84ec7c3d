/** userStatement: statements counted and table functions named outside strings, quoted names and comments. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StoreError } from '../store.js';
import { userStatement } from './user-sql.js';

const refusal = (sql: string) => {
  try {
    userStatement(sql);
  } catch (error) {
    assert.ok(error instanceof StoreError);
    return [error.code, error.message];
  }
  return undefined;
};

test('statements are counted outside strings, quoted names and comments', () => {
  assert.deepEqual(refusal('SELECT 1; SELECT 2;'), [
    'STORE_READ_ONLY_VIOLATION',
    'exactly one statement is allowed, got 2',
  ]);
  for (const sql of [
    "SELECT 'a;b'",
    "SELECT 'it''s; \\' ;'",
    'SELECT 1 AS "x;y"',
    'SELECT 1 AS `x;y`',
    'SELECT 1 -- a; b',
    'SELECT 1 /* ; */',
    'SELECT 1;',
    ';SELECT 1',
  ])
    assert.equal(refusal(sql), undefined, sql);
  assert.deepEqual(refusal('-- only; a comment\n/* ; */ ;'), [
    'STORE_QUERY_FAILED',
    'the query has no statement, only whitespace or comments',
  ]);
  assert.equal(refusal('/* x */ (SELECT 1)'), undefined);
  assert.equal(refusal('/* SELECT */ DROP TABLE events')?.[0], 'STORE_READ_ONLY_VIOLATION');
});

test('the text sent ends at the statement’s last token (the client appends FORMAT after it)', () => {
  assert.equal(userStatement('SELECT 1; -- done\n').text, 'SELECT 1');
  assert.equal(userStatement('-- why\nSELECT 1 -- trailing').text, '-- why\nSELECT 1');
  assert.equal(userStatement("SELECT '--' AS s").text, "SELECT '--' AS s");
});

test('a refused table function is named from the code, not from strings or comments', () => {
  const fallback = new StoreError('STORE_FUNCTION_NOT_ALLOWED', 'table functions are not allowed');
  const named = (sql: string) => {
    const error = userStatement(sql).tableFunctionRefusal(fallback);
    return [error.code, error.message];
  };
  assert.deepEqual(named('SELECT * FROM numbers(3)'), [
    'STORE_FUNCTION_NOT_ALLOWED',
    'table function numbers() is not allowed; allowed: none',
  ]);
  assert.deepEqual(named("SELECT * FROM numbers(1) AS n, url('http://x/', 'CSV', 'a String')"), [
    'STORE_FILE_ACCESS_DISABLED',
    'file access is disabled for SQL queries: url() reads files',
  ]);
  assert.equal(named("SELECT 'file(' AS s FROM numbers(1) -- url(")[0], 'STORE_FUNCTION_NOT_ALLOWED');
  assert.equal(named('SELECT 1')[1], 'table functions are not allowed');
});
