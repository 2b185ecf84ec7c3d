/** The event loop's delay histogram: a hold shows as one late tick of about its length; a free loop as ticks near 0. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { watchEventLoop } from './event-loop.js';
import { MetricsRegistry } from './registry.js';

const bucket = (text: string, le: string) =>
  Number(new RegExp(`^loop_bucket\\{le="${le}"\\} (\\S+)$`, 'm').exec(text)?.[1]);
const value = (text: string, suffix: string) => Number(new RegExp(`^loop_${suffix} (\\S+)$`, 'm').exec(text)?.[1]);

test('a 300 ms hold of the thread is one late sample of at least 0.25 s; the ticks go on after it', async () => {
  const metrics = new MetricsRegistry();
  const stop = watchEventLoop(metrics.histogram('loop', 'test', [0.01, 0.25, 0.5, 1]), 5);
  const over = (text: string) => value(text, 'count') - bucket(text, '0.25');
  try {
    await sleep(100);
    const free = metrics.render();
    assert.ok(value(free, 'count') > 0, 'the timer ticks');

    const until = Date.now() + 300;
    while (Date.now() < until); // holds the thread, as a long synchronous task would
    await sleep(50);
    const held = metrics.render();
    assert.ok(over(held) - over(free) >= 1, 'a tick waited for the hold');
    // 350 ms of 5 ms ticks would be ~70 samples; the hold is one, then ~10 in the 50 ms after.
    assert.ok(value(held, 'count') - value(free, 'count') < 30, 'the hold counts once, not once per missed tick');
    assert.ok(value(held, 'sum') - value(free, 'sum') >= 0.25, `held ${value(held, 'sum') - value(free, 'sum')} s`);
  } finally {
    stop();
  }
  const after = value(metrics.render(), 'count');
  await sleep(50);
  assert.equal(value(metrics.render(), 'count'), after, 'no ticks after stop');
});
