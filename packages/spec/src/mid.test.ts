// createMid: the "<EID>:<uuid v4>" format, uniqueness, and the fallbacks for runtimes without crypto.randomUUID.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { createMid } from './mid.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const realCrypto = Object.getOwnPropertyDescriptor(globalThis, 'crypto');

function setCrypto(value: unknown): void {
  Object.defineProperty(globalThis, 'crypto', { value, configurable: true, writable: true });
}

afterEach(() => {
  if (realCrypto) Object.defineProperty(globalThis, 'crypto', realCrypto);
});

test('with an eid: "<EID>:<uuid v4>"', () => {
  const [eid, uuid] = createMid('START').split(/:(.*)/);
  assert.equal(eid, 'START');
  assert.match(uuid!, UUID_V4);
});

test('without an eid: a bare uuid v4', () => {
  assert.match(createMid(), UUID_V4);
});

test('10,000 mids are distinct', () => {
  assert.equal(new Set(Array.from({ length: 10_000 }, () => createMid('LOG'))).size, 10_000);
});

test('falls back to crypto.getRandomValues when randomUUID is missing (plain-http pages)', () => {
  let calls = 0;
  setCrypto({
    getRandomValues: (bytes: Uint8Array) => {
      calls++;
      return bytes.fill(0xff);
    },
  });
  // All bits set except the version and variant bits, which must be forced.
  assert.equal(createMid(), 'ffffffff-ffff-4fff-bfff-ffffffffffff');
  assert.equal(calls, 1);
});

test('falls back to Math.random when there is no crypto at all (old React Native)', () => {
  setCrypto(undefined);
  const mids = Array.from({ length: 1000 }, () => createMid('INTERACT'));
  for (const mid of mids) assert.match(mid.slice('INTERACT:'.length), UUID_V4);
  assert.equal(new Set(mids).size, 1000);
});
