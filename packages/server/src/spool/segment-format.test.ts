/** The spool's reusable group framing gives the bytes of the plain one, whatever the sizes and characters. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { frameGroup, GroupFramer, wholeGroupEnd } from './segment-format.js';

// Whole records as the collector writes them: any text (lone surrogates, astral characters, control bytes) and a
// newline; some long enough that the framer's buffer has to grow.
const record = fc.oneof(
  { weight: 10, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1000, maxLength: 5000 }) },
);
const group = fc.array(
  record.map((text) => `${text}\n`),
  { maxLength: 8 },
);

test('one framer, group after group, frames each as frameGroup frames the records joined', () => {
  fc.assert(
    fc.property(fc.array(group, { minLength: 1, maxLength: 12 }), (groups) => {
      const framer = new GroupFramer();
      for (const texts of groups) {
        const framed = framer.frame(texts);
        const expected = frameGroup(texts.join(''));
        assert.ok(framed.equals(expected), `group of ${texts.length} texts, ${expected.length} bytes`);
        assert.equal(wholeGroupEnd(framed, 0), framed.length);
      }
    }),
    { numRuns: 200 },
  );
});

test('a group larger than the buffer the framer keeps gets its own, and the next group the kept one', () => {
  const framer = new GroupFramer();
  const texts = [`${'x'.repeat(4000)}\n`, `${'é'.repeat(3_000_000)}\n`, `${'a'.repeat(3_000_000)}\n`];
  const before = framer.frame([texts[0]]);
  assert.ok(framer.frame(texts).equals(frameGroup(texts.join(''))));
  const small = framer.frame(['ab\n', 'c\n']);
  assert.ok(small.equals(frameGroup('ab\nc\n')));
  assert.equal(small.buffer, before.buffer, 'the kept buffer is the one from before the large group');
});
