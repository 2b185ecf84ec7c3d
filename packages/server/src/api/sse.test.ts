/**
 * No stored value can forge a Server-Sent Events frame: whatever strings an event holds (mid, any field of raw,
 * line breaks, NUL, lone surrogates), a real SSE parser (eventsource-parser) reads exactly the one message the
 * live tail meant, with its id and its JSON intact.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import fc from 'fast-check';
import { eventJson } from './events.js';
import { eventMessageId, sseMessage } from './sse.js';

/** Every message a spec-following client would dispatch for `stream`. */
function parse(stream: string): EventSourceMessage[] {
  const messages: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (message) => messages.push(message) });
  parser.feed(stream);
  return messages;
}

/** Any string, line breaks and control characters made likely. */
const anyText = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc
    .array(fc.constantFrom('\n', '\r', '\r\n', ':', 'event: admin', 'data: x', 'id: 1', 'retry: 1', '\0', ' ', 'é'), {
      maxLength: 12,
    })
    .map((parts) => parts.join('')),
);

/** A JSON text as a client may send it: any value, any whitespace (CR and LF included) between tokens. */
const rawJson = fc
  .tuple(
    fc.jsonValue(),
    fc.constantFrom<string | number>('', 2, '\r\n', '\n\t', '\r'),
    fc.dictionary(anyText, anyText, { maxKeys: 4 }),
  )
  .map(([value, space, strings]) => JSON.stringify({ value, strings }, null, space));

test('a live tail message parses back to exactly that message, whatever the event holds', () => {
  fc.assert(
    fc.property(fc.nat(), anyText, rawJson, (syncts, mid, raw) => {
      const id = eventMessageId(syncts, mid);
      const messages = parse(`: live\n\n${sseMessage({ id, event: 'event', data: eventJson({ syncts, mid, raw }) })}`);
      assert.equal(messages.length, 1);
      assert.equal(messages[0].event, 'event');
      assert.equal(messages[0].id, id);
      assert.deepEqual(JSON.parse(messages[0].data), { syncts, mid, event: JSON.parse(raw) });
      assert.equal(Buffer.from(id.slice(id.indexOf(':') + 1), 'base64url').toString('utf8'), mid.toWellFormed());
    }),
    { numRuns: 500 },
  );
});

test('any data text is one message whose data is the text with its line breaks as LF', () => {
  fc.assert(
    fc.property(anyText, anyText, (first, second) => {
      const stream = sseMessage({ event: 'event', data: first }) + sseMessage({ event: 'event', data: second });
      const messages = parse(stream);
      assert.deepEqual(
        messages.map((m) => [m.event, m.data]),
        [first, second].map((text) => ['event', text.replace(/\r\n|\r/g, '\n')]),
      );
    }),
    { numRuns: 500 },
  );
});

test('a control field holding anything but visible ASCII is refused', () => {
  fc.assert(
    fc.property(
      anyText.filter((text) => !/^[\x21-\x7e]*$/.test(text)),
      (text) => {
        assert.throws(() => sseMessage({ event: text, data: '' }), /visible ASCII/);
        assert.throws(() => sseMessage({ event: 'event', id: text, data: '' }), /visible ASCII/);
      },
    ),
  );
});
