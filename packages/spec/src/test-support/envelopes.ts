// Test support: the smallest and the fullest valid envelope, and a helper that wraps an edata into an event.
/** Only what the pipeline requires. */
export const MINIMAL_ENVELOPE = {
  ets: 1718000000000,
  ver: '3.0',
  mid: 'TEST:00000000-0000-4000-8000-000000000001',
  actor: { id: 'u1', type: 'User' },
  context: { channel: 'org.test', pdata: { id: 'test.app' }, env: 'home' },
} as const;

/** Every envelope key the spec defines, V3.1 platform included. */
export const MAXIMAL_ENVELOPE = {
  ets: 1718000000123,
  ver: '3.1',
  mid: 'TEST:00000000-0000-4000-8000-000000000002',
  actor: { id: 'u1', type: 'User' },
  context: {
    channel: 'org.test',
    pdata: { id: 'test.app', pid: 'test.app.player', ver: '1.2.3', platform: 'Android' },
    env: 'ContentPlayer',
    sid: 's1',
    did: 'd1',
    cdata: [{ type: 'ContentSession', id: 'cs1' }],
    rollup: { l1: 'a', l2: 'b', l3: 'c', l4: 'd' },
  },
  object: { id: 'do_1', type: 'Content', ver: '1.0', rollup: { l1: 'do_root', l2: 'do_1' } },
  tags: ['t1'],
} as const;

/** A fresh event object (deep copy), so a test may mutate it freely. */
export function makeEvent(eid: string, edata: unknown, envelope: object = MINIMAL_ENVELOPE): Record<string, unknown> {
  return structuredClone({ eid, ...envelope, edata }) as Record<string, unknown>;
}
