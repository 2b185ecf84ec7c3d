// gzip's magic bytes, byte by byte (issue 10: the mutation run found every part of hasGzipMagic unpinned; the
// decodeBody cases in ingest-steps.test.ts send gzip whole or text that starts nowhere near it).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { decodeBody, hasGzipMagic } from './decode.js';

test('gzip is sniffed by all three bytes 1f 8b 08, no fewer', () => {
  assert.equal(hasGzipMagic(Buffer.from([0x1f, 0x8b, 0x08])), true, 'exactly the three bytes');
  assert.equal(hasGzipMagic(gzipSync('{}')), true);
  for (const bytes of [
    [0x00, 0x8b, 0x08],
    [0x1f, 0x00, 0x08],
    [0x1f, 0x8b, 0x00],
    [0x1f, 0x8b],
    [0x08, 0x08, 0x08],
  ]) {
    assert.equal(hasGzipMagic(Buffer.from(bytes)), false, Buffer.from(bytes).toString('hex'));
  }
});

test('a body that only starts like gzip is read as text without Content-Encoding', async () => {
  for (const bytes of [
    [0x7b, 0x8b, 0x08],
    [0x1f, 0x7b, 0x08],
    [0x1f, 0x8b, 0x7b],
  ]) {
    const body = Buffer.from(bytes);
    assert.equal(await decodeBody(body, undefined, 1000), body.toString('utf8'), body.toString('hex'));
  }
});
