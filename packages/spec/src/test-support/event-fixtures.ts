// Test support: for each of the 17 events a minimal and a maximal valid edata (typed, so the TypeScript types are
// checked against the same data as the schemas) and invalid variants with the exact error each must produce.
import type { EdataByEid, Eid } from '../types.js';

export interface InvalidEdata {
  name: string;
  edata: unknown;
  error: string;
}

export interface EventFixture<E extends Eid> {
  minimal: EdataByEid[E];
  maximal: EdataByEid[E];
  invalid: InvalidEdata[];
}

const missing = (key: string, edata: unknown): InvalidEdata => ({
  name: `missing ${key}`,
  edata,
  error: `/edata: must have required property '${key}'`,
});
const extra = (key: string, edata: unknown): InvalidEdata => ({
  name: `extra key ${key}`,
  edata,
  error: `/edata: must NOT have additional property '${key}'`,
});
const wrong = (name: string, edata: unknown, error: string): InvalidEdata => ({ name, edata, error });

const target = { id: 'q1', ver: '1.0', type: 'Question' };

export const FIXTURES: { [E in Eid]: EventFixture<E> } = {
  START: {
    minimal: { type: 'app' },
    maximal: {
      type: 'player',
      dspec: {
        os: 'Android 13',
        make: 'Pixel',
        id: 'dev1',
        mem: -1,
        idisk: 64,
        edisk: 0,
        scrn: 6.1,
        camera: '12MP',
        cpu: 'arm64',
        sims: 1,
        cap: ['GPS'],
      },
      uaspec: { agent: 'Chrome', ver: '120', system: 'Linux', platform: 'x86_64', raw: 'Mozilla/5.0' },
      loc: '12.97,77.59',
      mode: 'play',
      duration: 1.5,
      pageid: 'content-detail',
    },
    invalid: [
      missing('type', { mode: 'play' }),
      extra('stageid', { type: 'player', stageid: 's1' }),
      wrong('duration as string', { type: 'app', duration: '3' }, '/edata/duration: must be number'),
      wrong('dspec.mem below -1', { type: 'app', dspec: { mem: -2 } }, '/edata/dspec/mem: must be >= -1'),
    ],
  },
  END: {
    minimal: { type: 'app' },
    maximal: { type: 'player', mode: 'play', duration: 42.5, pageid: 'end-page', summary: [{ progress: 50 }] },
    invalid: [
      missing('type', { mode: 'play' }),
      extra('progress', { type: 'player', progress: 50 }),
      wrong('summary of numbers', { type: 'app', summary: [1] }, '/edata/summary/0: must be object'),
    ],
  },
  IMPRESSION: {
    minimal: { type: 'view', pageid: 'home', uri: '/home' },
    maximal: {
      type: 'list',
      subtype: 'Paginate',
      pageid: 'library',
      uri: '/library?page=2',
      visits: [{ objid: 'do_1', objtype: 'Content', objver: '1.0', section: 'top', index: 0 }],
      duration: 12.3,
    },
    invalid: [
      missing('pageid', { type: 'view', uri: '/home' }),
      extra('itype', { type: 'view', pageid: 'home', uri: '/home', itype: 'SWIPE' }),
      wrong('uri as number', { type: 'view', pageid: 'home', uri: 5 }, '/edata/uri: must be string'),
      wrong(
        'visit without objtype',
        { type: 'view', pageid: 'home', uri: '/home', visits: [{ objid: 'do_1' }] },
        "/edata/visits/0: must have required property 'objtype'",
      ),
    ],
  },
  INTERACT: {
    minimal: { type: 'TOUCH', id: 'play-button' },
    maximal: {
      type: 'LISTEN',
      subtype: 'PAUSE',
      id: 'audio-1',
      pageid: 'stage-2',
      target: { id: 'do_1', ver: '1.0', type: 'Content', parent: { id: 'do_root', type: 'Collection' } },
      plugin: { id: 'org.ekstep.audio', ver: '1.0', category: 'core' },
      extra: { pos: [{ x: 1, y: 2, z: 0 }], values: [] },
      duration: 0.4,
    },
    invalid: [
      missing('id', { type: 'TOUCH' }),
      extra('tid', { type: 'TOUCH', id: 'b', tid: 't1' }),
      wrong('extra as array', { type: 'TOUCH', id: 'b', extra: [] }, '/edata/extra: must be object'),
      wrong(
        'target without ver',
        { type: 'TOUCH', id: 'b', target: { id: 'x', type: 'Button' } },
        "/edata/target: must have required property 'ver'",
      ),
      wrong(
        'plugin with an unknown key',
        { type: 'TOUCH', id: 'b', plugin: { id: 'p', ver: '1', name: 'x' } },
        "/edata/plugin: must NOT have additional property 'name'",
      ),
    ],
  },
  ASSESS: {
    minimal: { item: { id: 'q1' }, pass: 'No', score: 0, resvalues: [], duration: 3 },
    maximal: {
      item: {
        id: 'q1',
        maxscore: 1,
        exlength: 30,
        params: [{ var1: '5' }],
        uri: '/q1',
        desc: 'Add two numbers',
        title: 'Addition',
        mmc: ['mmc1'],
        mc: ['mc1'],
        type: 'mcq',
      },
      index: 1,
      pass: 'Yes',
      score: 1,
      resvalues: [{ ans1: '6' }],
      duration: 12.5,
    },
    invalid: [
      missing('duration', { item: { id: 'q1' }, pass: 'No', score: 0, resvalues: [] }),
      extra('qid', { item: { id: 'q1' }, pass: 'No', score: 0, resvalues: [], duration: 3, qid: 'q1' }),
      wrong(
        'score as string',
        { item: { id: 'q1' }, pass: 'No', score: '0', resvalues: [], duration: 3 },
        '/edata/score: must be number',
      ),
      wrong(
        'item without id',
        { item: { title: 'x' }, pass: 'No', score: 0, resvalues: [], duration: 3 },
        "/edata/item: must have required property 'id'",
      ),
    ],
  },
  RESPONSE: {
    minimal: { target, type: 'CHOOSE', values: [] },
    maximal: {
      target: { ...target, parent: { id: 'do_1', type: 'Content' } },
      type: 'MATCH',
      values: [{ lhs: 'option1' }, { rhs: 'optionN' }],
    },
    invalid: [
      missing('values', { target, type: 'CHOOSE' }),
      extra('qid', { target, type: 'CHOOSE', values: [], qid: 'q1' }),
      wrong(
        'empty target',
        { target: {}, type: 'CHOOSE', values: [] },
        "/edata/target: must have required property 'id'",
      ),
      wrong('values as string', { target, type: 'CHOOSE', values: 'a' }, '/edata/values: must be array'),
    ],
  },
  INTERRUPT: {
    minimal: { type: 'background' },
    maximal: { type: 'm:resume', pageid: 'player' },
    invalid: [
      missing('type', { pageid: 'player' }),
      extra('eventid', { type: 'resume', eventid: 'e1' }),
      wrong('pageid as number', { type: 'resume', pageid: 1 }, '/edata/pageid: must be string'),
    ],
  },
  FEEDBACK: {
    minimal: {},
    maximal: { rating: 4.5, comments: 'Great lesson', commentid: 'c1', commenttxt: 'Great' },
    invalid: [
      extra('contentId', { rating: 5, contentId: 'do_1' }),
      wrong('rating as string', { rating: '5' }, '/edata/rating: must be number'),
    ],
  },
  SHARE: {
    minimal: { items: [] },
    maximal: {
      dir: 'Out',
      type: 'Link',
      items: [
        {
          id: 'do_1',
          type: 'CONTENT',
          ver: '1.0',
          params: [{ transfers: 0 }, { size: 1024 }],
          origin: { id: 'd1', type: 'Device' },
          to: { id: 'd2', type: 'Device' },
        },
      ],
    },
    invalid: [
      missing('items', { dir: 'Out' }),
      extra('size', { items: [], size: 1 }),
      wrong('items as object', { items: {} }, '/edata/items: must be array'),
      wrong(
        'item nested under obj',
        { items: [{ obj: { id: 'do_1', type: 'Content', ver: '1' } }] },
        "/edata/items/0: must NOT have additional property 'obj'",
      ),
    ],
  },
  AUDIT: {
    minimal: {},
    maximal: { type: 'Content', props: ['status'], state: 'Live', prevstate: 'Review', duration: 2 },
    invalid: [
      extra('object', { state: 'Live', object: {} }),
      wrong('props with a number', { props: ['status', 1] }, '/edata/props/1: must be string'),
    ],
  },
  ERROR: {
    minimal: { err: 'ERR_DOWNLOAD_FAILED', errtype: 'CONTENT', stacktrace: '' },
    maximal: {
      err: 'ERR_TOKEN_INVALID',
      errtype: 'SYSTEM',
      stacktrace: 'Error: token expired\n    at x (a.js:1:1)',
      pageid: 'login',
      object: {
        id: 'do_1',
        type: 'Content',
        ver: '1.0',
        subtype: 'video',
        name: 'Lesson 1',
        code: 'L1',
        parent: { id: 'do_root', type: 'Collection' },
      },
      plugin: { id: 'org.ekstep.video', ver: '1.0', category: 'core' },
    },
    invalid: [
      missing('stacktrace', { err: 'E', errtype: 'SYSTEM' }),
      extra('traceid', { err: 'E', errtype: 'SYSTEM', stacktrace: '', traceid: 't1' }),
      wrong('err as number', { err: 500, errtype: 'SYSTEM', stacktrace: '' }, '/edata/err: must be string'),
      wrong(
        'object without ver',
        { err: 'E', errtype: 'SYSTEM', stacktrace: '', object: { id: 'do_1', type: 'Content' } },
        "/edata/object: must have required property 'ver'",
      ),
    ],
  },
  HEARTBEAT: {
    minimal: {},
    maximal: { uptime: 3600, nested: { anything: [1, 'two'] } },
    invalid: [
      wrong('edata as array', [], '/edata: must be object'),
      wrong('edata as string', 'alive', '/edata: must be object'),
    ],
  },
  LOG: {
    minimal: { type: 'api_call', level: 'INFO', message: 'ok' },
    maximal: {
      type: 'api_access',
      level: 'trace',
      message: 'content read',
      pageid: 'content-detail',
      params: [{ url: '/content/v3/read' }, { method: 'GET' }],
    },
    invalid: [
      missing('level', { type: 'api_call', message: 'ok' }),
      extra('status', { type: 'api_call', level: 'INFO', message: 'ok', status: 200 }),
      wrong(
        'params as object',
        { type: 'api_call', level: 'INFO', message: 'ok', params: {} },
        '/edata/params: must be array',
      ),
    ],
  },
  SEARCH: {
    minimal: { query: '', size: 0, topn: [] },
    maximal: {
      type: 'content',
      query: 'fractions',
      filters: { dialcodes: ['ABC123'], board: ['CBSE'] },
      sort: { name: 'asc' },
      correlationid: 'corr-1',
      size: 25,
      topn: [{ identifier: 'do_1', score: 0.9 }],
    },
    invalid: [
      missing('topn', { query: 'x', size: 0 }),
      extra('results', { query: 'x', size: 0, topn: [], results: [] }),
      wrong('size as string', { query: 'x', size: '10', topn: [] }, '/edata/size: must be number'),
    ],
  },
  METRICS: {
    minimal: { system: 'content-service', subsystem: 'api' },
    maximal: { system: 'content-service', subsystem: 'api', metrics: [{ metric: 'requests', value: 120 }] },
    invalid: [
      missing('subsystem', { system: 'content-service' }),
      extra('metric1', { system: 's', subsystem: 'api', metric1: 1 }),
      wrong(
        'metric value as string',
        { system: 's', subsystem: 'api', metrics: [{ metric: 'requests', value: '120' }] },
        '/edata/metrics/0/value: must be number',
      ),
    ],
  },
  SUMMARY: {
    minimal: {
      type: 'session',
      starttime: 1718000000000,
      endtime: 1718000600000,
      timespent: 540,
      pageviews: 4,
      interactions: 12,
    },
    maximal: {
      type: 'app',
      mode: 'play',
      starttime: 1718000000000,
      endtime: 1718000600000,
      timespent: 540.5,
      pageviews: 4,
      interactions: 12,
      extra: [{ id: 'wordsPerMin', value: '40' }],
    },
    invalid: [
      missing('timespent', { type: 'session', starttime: 1, endtime: 2, pageviews: 0, interactions: 0 }),
      extra('envsummary', {
        type: 'session',
        starttime: 1,
        endtime: 2,
        timespent: 1,
        pageviews: 0,
        interactions: 0,
        envsummary: [],
      }),
      wrong(
        'extra value as number',
        {
          type: 'session',
          starttime: 1,
          endtime: 2,
          timespent: 1,
          pageviews: 0,
          interactions: 0,
          extra: [{ id: 'x', value: 40 }],
        },
        '/edata/extra/0/value: must be string',
      ),
    ],
  },
  EXDATA: {
    minimal: {},
    maximal: { type: 'xapi', data: '{"verb":"completed"}' },
    invalid: [
      extra('payload', { type: 'xapi', payload: 'x' }),
      wrong('data as object', { type: 'xapi', data: { verb: 'completed' } }, '/edata/data: must be string'),
    ],
  },
};
