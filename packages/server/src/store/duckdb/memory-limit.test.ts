import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { memoryLimitBytes } from './memory-limit.js';

test('memoryLimitBytes reads a memory setting as DuckDB does: the same limit set in bytes', async () => {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const limitAfter = async (setting: string) => {
    await connection.run(`SET memory_limit = '${setting}'`);
    return (await connection.runAndReadAll("SELECT current_setting('memory_limit')")).getRowsJS()[0][0];
  };
  try {
    for (const setting of [
      '256MB',
      '256mb',
      '1.5 GB',
      '1.5GiB',
      '512 KiB',
      '3G',
      '700k',
      '2 megabytes',
      '1TiB',
      '.5GB',
      '5.GB',
      '1e3MB',
      '512mib',
      ' 1GB ',
    ]) {
      const bytes = memoryLimitBytes(setting);
      assert.ok(bytes !== undefined, setting);
      assert.equal(await limitAfter(`${bytes}B`), await limitAfter(setting), setting);
    }
    assert.equal(memoryLimitBytes('256MB'), 256_000_000);
    assert.equal(memoryLimitBytes('1GiB'), 2 ** 30);
    for (const unread of ['256', '80%', 'lots', '1 constructor', '', '-1', '+1GB', '1,5GB', '1e3', 'bogus', '1PB']) {
      assert.equal(memoryLimitBytes(unread), undefined, unread);
    }
    // What this does not read, DuckDB refuses too; but '' and '-1' (no limit), which config.ts refuses on its own.
    for (const refused of ['256', '80%', 'lots', '1 constructor', '+1GB', '1,5GB', '1e3', 'bogus', '1PB']) {
      await assert.rejects(connection.run(`SET memory_limit = '${refused}'`), refused);
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
});
