/** React Native's AppState through trackAppState: one INTERRUPT per real change, a flush on background. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { trackAppState } from '../src/autocapture.js';
import { createTelemetry, memoryStorage } from '../src/index.js';
import { recorder } from './helpers.js';

/** The shape of react-native's AppState: addEventListener('change', fn) → { remove() }. */
function appState() {
  const listeners = new Set<(s: string) => void>();
  return {
    listeners,
    addEventListener: (_type: 'change', fn: (s: string) => void) => {
      listeners.add(fn);
      return { remove: () => void listeners.delete(fn) };
    },
    emit: (s: string) => {
      for (const fn of listeners) fn(s);
    },
  };
}

test('background → INTERRUPT background and a flush; active after background → resume; nothing else', async () => {
  const rec = recorder();
  const t = createTelemetry({
    transport: rec.transport,
    storage: memoryStorage(),
    did: 'rn-1',
    sessionEvents: false,
    flushIntervalMs: 600_000,
  });
  const state = appState();
  const stop = trackAppState(t, state);
  t.interact({ type: 'CLICK', id: 'before' });
  state.emit('inactive'); // iOS passes through inactive: not an interrupt
  state.emit('background');
  // The background flush sent the click and the INTERRUPT without waiting for the 10-minute interval.
  await t.ready;
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(
    rec.events().map((e) => [e.eid, e.edata.type ?? e.edata.id]),
    [
      ['INTERACT', 'CLICK'],
      ['INTERRUPT', 'background'],
    ],
  );
  state.emit('background'); // a repeated state is not a new interrupt
  state.emit('active');
  state.emit('active');
  await t.flush();
  assert.deepEqual(
    rec.events().map((e) => (e.eid === 'INTERRUPT' ? e.edata.type : e.eid)),
    ['INTERACT', 'background', 'resume'],
  );
  stop();
  assert.equal(state.listeners.size, 0, 'stop() removes the listener');
  await t.shutdown();
});
