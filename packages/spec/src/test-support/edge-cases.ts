// Test support: generated edge cases around the envelope and the edata rules where the spec and the pipeline differ,
// each a named mutation of a valid event. Their expected verdict comes from the pipeline oracle, not from here.
import { MAXIMAL_ENVELOPE, MINIMAL_ENVELOPE, makeEvent } from './envelopes.js';

// biome-ignore lint/suspicious/noExplicitAny: mutations reach into arbitrary depths of untyped test events.
type Mutable = any;

export interface EdgeCase {
  name: string;
  event: unknown;
}

const interact = () => makeEvent('INTERACT', { type: 'TOUCH', id: 'b' }, MAXIMAL_ENVELOPE) as Mutable;
const minimal = (eid: string, edata: unknown) => makeEvent(eid, edata, MINIMAL_ENVELOPE);
const summary = { type: 'session', starttime: 1, endtime: 2, timespent: 1, pageviews: 0, interactions: 0 };

const DELETE = Symbol('delete');

/** A case built from the maximal valid INTERACT event by setting (or deleting) the value at a dotted path. */
function change(name: string, path: string, value: unknown): EdgeCase {
  const event = interact();
  const keys = path.split('.');
  const last = keys.pop() as string;
  let parent = event;
  for (const key of keys) parent = parent[key];
  if (value === DELETE) delete parent[last];
  else parent[last] = value;
  return { name, event };
}

export const ENVELOPE_CASES: EdgeCase[] = [
  { name: 'valid maximal INTERACT', event: interact() },
  change('missing context.pdata', 'context.pdata', DELETE),
  change('pdata without id', 'context.pdata.id', DELETE),
  change('pdata.id as number', 'context.pdata.id', 1),
  change('pdata.ver as number', 'context.pdata.ver', 3),
  change('pdata.platform as number (undeclared)', 'context.pdata.platform', 1),
  change('pdata with an extra key', 'context.pdata.build', 'x'),
  change('ver "3.2"', 'ver', '3.2'),
  change('ver 3 as a number', 'ver', 3),
  change('ver "3.0"', 'ver', '3.0'),
  change('ver missing', 'ver', DELETE),
  change('ets as string', 'ets', '1718000000000'),
  change('ets as float in exponent form', 'ets', 1.586431492513e12),
  change('ets negative', 'ets', -1),
  change('ets null', 'ets', null),
  change('ets missing', 'ets', DELETE),
  change('empty mid', 'mid', ''),
  change('mid as number', 'mid', 1),
  change('mid missing', 'mid', DELETE),
  change('eid missing', 'eid', DELETE),
  change('eid null', 'eid', null),
  change('eid as number', 'eid', 5),
  change('unknown eid FOO', 'eid', 'FOO'),
  change('lower-case eid', 'eid', 'interact'),
  change('eid EXPERIMENT (not in V3)', 'eid', 'EXPERIMENT'),
  change('eid SHARE_ITEM (derived by the pipeline)', 'eid', 'SHARE_ITEM'),
  change('eid ME_WORKFLOW_SUMMARY', 'eid', 'ME_WORKFLOW_SUMMARY'),
  change('tags of objects', 'tags', [{ id: 't' }]),
  change('tags of numbers', 'tags', [1]),
  change('tags as a string', 'tags', 't1'),
  change('tags empty', 'tags', []),
  change('cdata item with an extra key', 'context.cdata', [{ type: 'a', id: 'b', name: 'c' }]),
  change('cdata item without id', 'context.cdata', [{ type: 'a' }]),
  change('cdata item as string', 'context.cdata', ['a']),
  change('cdata as object', 'context.cdata', { type: 'a', id: 'b' }),
  change('cdata empty', 'context.cdata', []),
  change('object {}', 'object', {}),
  change('object with an extra key', 'object.name', 'x'),
  change('object.id as number', 'object.id', 1),
  change('object.rollup with an extra key', 'object.rollup.l5', 'x'),
  change('object.rollup.l1 as number', 'object.rollup.l1', 1),
  change('object as string', 'object', 'do_1'),
  change('blank actor id', 'actor.id', ''),
  change('blank actor type', 'actor.type', ''),
  change('actor without id', 'actor.id', DELETE),
  change('actor.id as number', 'actor.id', 1),
  change('actor with an extra key', 'actor.name', 'x'),
  change('actor missing', 'actor', DELETE),
  change('context missing', 'context', DELETE),
  change('empty channel', 'context.channel', ''),
  change('whitespace channel', 'context.channel', ' '),
  change('channel missing', 'context.channel', DELETE),
  change('blank env', 'context.env', ''),
  change('env missing', 'context.env', DELETE),
  change('sid as number', 'context.sid', 1),
  change('context with an extra key', 'context.extra', 'x'),
  change('context.rollup.l1 as number (undeclared)', 'context.rollup.l1', 1),
  change('extra top-level key @timestamp', '@timestamp', '2024-01-01T00:00:00Z'),
  change('extra top-level key flags', 'flags', { ex_processed: true }),
  change('edata missing', 'edata', DELETE),
  change('edata null', 'edata', null),
  change('edata as array', 'edata', []),
  { name: 'event as array', event: [interact()] },
  { name: 'event null', event: null },
  { name: 'event as string', event: JSON.stringify(interact()) },
];

export const EDATA_CASES: EdgeCase[] = [
  { name: 'METRICS spec-style', event: minimal('METRICS', { metric1: 1, metric2: 2 }) },
  {
    name: 'METRICS item with an extra key',
    event: minimal('METRICS', { system: 's', subsystem: 'x', metrics: [{ metric: 'm', value: 1, unit: 'ms' }] }),
  },
  { name: 'SUMMARY with envsummary', event: minimal('SUMMARY', { ...summary, envsummary: [] }) },
  { name: 'SUMMARY with eventssummary', event: minimal('SUMMARY', { ...summary, eventssummary: [] }) },
  { name: 'SUMMARY with pagesummary', event: minimal('SUMMARY', { ...summary, pagesummary: [] }) },
  {
    name: 'SUMMARY extra item with an extra key',
    event: minimal('SUMMARY', { ...summary, extra: [{ id: 'a', k: 1 }] }),
  },
  { name: 'HEARTBEAT with any edata', event: minimal('HEARTBEAT', { a: 1, b: { c: [] } }) },
  { name: 'HEARTBEAT with string edata', event: minimal('HEARTBEAT', 'alive') },
  { name: 'ERROR with traceid', event: minimal('ERROR', { err: 'E', errtype: 'T', stacktrace: '', traceid: 't' }) },
  { name: 'FEEDBACK with commentid/commenttxt', event: minimal('FEEDBACK', { commentid: 'c', commenttxt: 't' }) },
  { name: 'FEEDBACK with contentId', event: minimal('FEEDBACK', { rating: 1, contentId: 'do_1' }) },
  { name: 'AUDIT with type/duration', event: minimal('AUDIT', { type: 'Content', duration: 1 }) },
  {
    name: 'IMPRESSION with duration',
    event: minimal('IMPRESSION', { type: 'view', pageid: 'p', uri: 'u', duration: 1 }),
  },
  {
    name: 'IMPRESSION with itype',
    event: minimal('IMPRESSION', { type: 'view', pageid: 'p', uri: 'u', itype: 'AUTO' }),
  },
  {
    name: 'IMPRESSION visit with an extra key',
    event: minimal('IMPRESSION', { type: 'v', pageid: 'p', uri: 'u', visits: [{ objid: 'o', objtype: 't', x: 1 }] }),
  },
  { name: 'INTERACT with duration', event: minimal('INTERACT', { type: 'TOUCH', id: 'b', duration: 1 }) },
  {
    name: 'INTERACT target.parent with an extra key',
    event: minimal('INTERACT', {
      type: 'T',
      id: 'b',
      target: { id: 'i', ver: 'v', type: 't', parent: { id: 'p', x: 1 } },
    }),
  },
  {
    name: 'INTERACT target with an extra key',
    event: minimal('INTERACT', { type: 'T', id: 'b', target: { id: 'i', ver: 'v', type: 't', x: 1 } }),
  },
  { name: 'START with stageid', event: minimal('START', { type: 'player', stageid: 's' }) },
  { name: 'START dspec with an extra key', event: minimal('START', { type: 'app', dspec: { os: 'a', ram: 1 } }) },
  { name: 'START dspec.mem -1', event: minimal('START', { type: 'app', dspec: { mem: -1 } }) },
  { name: 'START uaspec with an extra key', event: minimal('START', { type: 'app', uaspec: { agent: 'a', x: 1 } }) },
  {
    name: 'RESPONSE with qid',
    event: minimal('RESPONSE', { target: { id: 'i', ver: 'v', type: 't' }, type: 'CHOOSE', values: [], qid: 'q' }),
  },
  { name: 'INTERRUPT with eventid', event: minimal('INTERRUPT', { type: 'resume', eventid: 'e' }) },
  {
    name: 'SHARE items in the obj layout',
    event: minimal('SHARE', { items: [{ obj: { id: 'i', type: 't', ver: 'v' } }] }),
  },
  {
    name: 'SHARE item origin with an extra key',
    event: minimal('SHARE', { items: [{ origin: { id: 'o', type: 't', x: 1 } }] }),
  },
  {
    name: 'ERROR inline object with parent extra key',
    event: minimal('ERROR', {
      err: 'E',
      errtype: 'T',
      stacktrace: '',
      object: { id: 'i', type: 't', ver: 'v', parent: { x: 1 } },
    }),
  },
  { name: 'SEARCH filters as array', event: minimal('SEARCH', { query: 'q', size: 0, topn: [], filters: [] }) },
  {
    name: 'ASSESS item with an extra key',
    event: minimal('ASSESS', { item: { id: 'q', qtitle: 't' }, pass: 'No', score: 0, resvalues: [], duration: 1 }),
  },
  {
    name: 'ASSESS resvalues of strings',
    event: minimal('ASSESS', { item: { id: 'q' }, pass: 'No', score: 0, resvalues: ['a'], duration: 1 }),
  },
  { name: 'EXDATA data as object', event: minimal('EXDATA', { data: {} }) },
];

/**
 * What the pipeline accepts and we reject on purpose; see "Differences from Sunbird's pipeline schemas" in the README.
 * 1. Eids for which the pipeline's lookup finds a schema file that is not an event schema (`envelope.json`, ...).
 * 2. Numbers too large for a double (1e400), which JSON.parse turns into Infinity.
 */
export const KNOWN_DIFFERENCES: EdgeCase[] = [
  ...['ENVELOPE', 'COMMON', 'OBJECT', 'ROLLUP', 'DSPEC', 'UASPEC', 'PARENT'].map((eid) => ({
    name: `eid ${eid} (a non-event schema file)`,
    event: { ...interact(), eid },
  })),
  { name: 'ets 1e400', event: JSON.parse(JSON.stringify(interact()).replace(/"ets":\d+/, '"ets":1e400')) },
  {
    name: 'START duration -1e400',
    event: JSON.parse(
      JSON.stringify(minimal('START', { type: 'app', duration: 1 })).replace('"duration":1', '"duration":-1e400'),
    ),
  },
];
