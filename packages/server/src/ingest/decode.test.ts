// gzip's magic bytes, byte by byte (issue 10: the mutation run found every part of hasGzipMagic unpinned; the
// decodeBody cases in ingest-steps.test.ts send gzip whole or text that starts nowhere near it).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { decodeBody, hasGzipMagic, utf8Text } from './decode.js';

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
    assert.equal(await decodeBody(body, undefined, 1000), utf8Text(body), body.toString('hex'));
  }
});

/** The bytes `text` stands for: each lone surrogate U+DC80–U+DCFF is the byte it marks, the rest UTF-8. */
function bytesOf(text: string): Buffer {
  const parts: Buffer[] = [];
  for (const char of text) {
    const code = char.codePointAt(0) as number;
    parts.push(code >= 0xdc80 && code <= 0xdcff ? Buffer.from([code - 0xdc00]) : Buffer.from(char, 'utf8'));
  }
  return Buffer.concat(parts);
}

test('utf8Text: bytes that are not UTF-8 become lone surrogates, one per byte, never U+FFFD', () => {
  const cases: [number[], string][] = [
    [[0x61, 0xff, 0x62], 'a\udcffb'],
    [[0xed, 0xa0, 0x80], '\udced\udca0\udc80'], // CESU-8: an encoded surrogate
    [[0xc0, 0xaf], '\udcc0\udcaf'], // an overlong "/"
    [[0x61, 0xe2, 0x82], 'a\udce2\udc82'], // cut at the end
    [[0xf4, 0x90, 0x80, 0x80], '\udcf4\udc90\udc80\udc80'], // past U+10FFFF
    [[0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80], '€😀'],
    [[0xef, 0xbf, 0xbd], '\ufffd'], // a U+FFFD that was sent stays one
  ];
  for (const [bytes, text] of cases) {
    assert.equal(utf8Text(Buffer.from(bytes)), JSON.parse(`"${text}"`), Buffer.from(bytes).toString('hex'));
  }
});

test('utf8Text: any bytes read back losslessly, valid UTF-8 exactly as Buffer.toString reads it', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), fc.string({ unit: 'binary', maxLength: 16 }), (random, valid) => {
      for (const bytes of [Buffer.from(random), Buffer.from(valid, 'utf8')]) {
        const text = utf8Text(bytes);
        assert.deepEqual(bytesOf(text), bytes);
        if (bytes.equals(Buffer.from(bytes.toString('utf8'), 'utf8'))) assert.equal(text, bytes.toString('utf8'));
      }
    }),
    { numRuns: 2000 },
  );
});
