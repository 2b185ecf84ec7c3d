/**
 * One simulated session as V3 events (all valid but the INVALID_EVENTS): START, a walk over the
 * app's pages (IMPRESSION, INTERACT, SEARCH, FEEDBACK, SHARE, ERROR, an assignment's ASSESS),
 * maybe an INTERRUPT pair and the user's funnel steps, then END.
 */
import {
  APP_ERRORS,
  ASSIGNMENT_BUTTONS,
  CONTENT_IDS,
  FEEDBACK_COMMENTS,
  PAGE_BY_ID,
  type Page,
  type School,
  SEARCH_TERMS,
  SHARE_TYPES,
} from './app-model.js';
import { DAY_MS, type SimulationParams } from './params.js';
import type { Random } from './random.js';

/** The V3 event shape the simulator emits (the subset of the spec it uses). */
export interface SimEvent {
  eid: string;
  ets: number;
  ver: '3.0';
  mid: string;
  actor: { id: string; type: 'User' };
  context: {
    channel: string;
    pdata: { id: string; ver: string; pid: string };
    env: string;
    sid: string;
    did: string;
    cdata: { type: string; id: string }[];
    rollup: { l1: string; l2: string; l3: string; l4: string };
  };
  object?: { id: string; type: string; ver: string };
  edata: Record<string, unknown>;
}

/**
 * Events emitted invalid on purpose (the broken release's IMPRESSIONs): a collector rejects them
 * into failed_events, and the fast path writes them there too. Every other event is valid V3.
 */
export const INVALID_EVENTS = new WeakSet<SimEvent>();

/** The user a session belongs to; `seq` numbers the user's events so every mid is unique. */
export interface SessionUser {
  index: number;
  actorId: string;
  did: string;
  role: string;
  school: School;
  /** Epoch day from which the user runs the current app version (`pdataVer`); before it `pdataPrevVer`. */
  updateDay: number;
  seq: number;
}

/** Gaps are capped so that only INTERRUPTs create idle time (Sunbird counts gaps over 600 s as zero). */
const MAX_GAP_MS = 120_000;
const MAX_INTERRUPT_MS = 25 * 60_000;

export class SessionWriter {
  private t = 0;
  private sid = '';
  private ver = '';
  private object: SimEvent['object'];

  constructor(
    private readonly p: SimulationParams,
    private readonly rng: Random,
    private readonly user: SessionUser,
    private readonly out: SimEvent[],
  ) {}

  /** Emits one session starting at `startMs`; `funnelDepth` steps of the funnel are done (0 = none). */
  session(startMs: number, funnelDepth: number): void {
    const { rng, p } = this;
    this.t = startMs;
    this.sid = `${rng.hex(8)}-${rng.hex(4)}-4${rng.hex(3)}-a${rng.hex(3)}-${rng.hex(12)}`;
    this.ver = Math.floor(startMs / DAY_MS) >= this.user.updateDay ? p.pdataVer : p.pdataPrevVer;
    this.object = undefined;
    this.emit('START', 'home', 'home', { type: 'app', pageid: 'home', duration: rng.range(5, 30) / 10 });
    let page = PAGE_BY_ID.get('home')!;
    this.visit(page);
    const walk = rng.poisson(p.pagesPerSession);
    const funnelAt = funnelDepth > 0 ? rng.int(walk + 1) : -1;
    const interruptAt = rng.chance(p.interruptRate) ? rng.int(walk + 1) : -1;
    for (let i = 0; i <= walk; i++) {
      if (i === funnelAt) this.funnel(funnelDepth);
      if (i === interruptAt) this.interrupt(page.id, page.env);
      if (i === walk) break;
      page = PAGE_BY_ID.get(rng.pick(page.links))!;
      this.visit(page);
    }
    this.gap();
    this.emit('END', page.id, page.env, { type: 'app', pageid: page.id, duration: (this.t - startMs) / 1000 });
  }

  /** An IMPRESSION whose duration is the time until the page is left, and what the user does on it. */
  private visit(page: Page): void {
    const { rng, p } = this;
    this.gap();
    this.object = page.content ? { id: rng.pick(CONTENT_IDS), type: 'Content', ver: '1.0' } : undefined;
    const shownAt = this.t;
    const edata: Record<string, unknown> = { type: page.type, pageid: page.id, uri: page.uri };
    const impression = this.emit('IMPRESSION', page.id, page.env, edata);
    // The release broke the library screens' instrumentation (home stays intact, so paths still open there).
    if (this.ver === p.pdataVer && page.env === 'content' && rng.chance(p.releaseInvalidRate)) {
      delete edata.type;
      INVALID_EVENTS.add(impression);
    }
    const clicks = rng.poisson(p.interactsPerPage);
    for (let i = 0; i < clicks; i++) {
      this.gap();
      const id = rng.pick(page.buttons);
      this.emit('INTERACT', page.id, page.env, { type: 'CLICK', id, pageid: page.id });
      if (id === 'share' && this.object) this.share(page);
    }
    if (page.assignment && rng.chance(p.assignmentStartRate)) this.assignment(page);
    if (page.id === 'content-library' && rng.chance(p.searchRate)) {
      this.gap();
      const size = rng.chance(p.zeroResultRate) ? 0 : 1 + rng.int(60);
      const topn = Array.from({ length: Math.min(size, 3) }, () => ({ identifier: rng.pick(CONTENT_IDS) }));
      this.emit('SEARCH', page.id, page.env, { type: 'content', query: rng.pick(SEARCH_TERMS), size, topn });
    }
    if (page.content && rng.chance(p.feedbackRate)) {
      this.gap();
      const rating = [1, 2, 3, 4, 4, 4, 5, 5][rng.int(8)];
      const feedback: Record<string, unknown> = { rating };
      if (rng.chance(0.3)) feedback.commenttxt = rng.pick(FEEDBACK_COMMENTS);
      this.emit('FEEDBACK', page.id, page.env, feedback);
    }
    if (rng.chance(this.ver === p.pdataVer ? p.releaseErrorRate : p.errorRate)) {
      this.gap();
      this.emit('ERROR', page.id, page.env, { ...rng.pick(APP_ERRORS), pageid: page.id });
    }
    this.gap();
    edata.duration = (this.t - shownAt) / 1000;
  }

  /** The resource on screen shared out of the app (spec §2.9: SHARE, items = what was shared). */
  private share(page: Page): void {
    const { id, type, ver } = this.object!;
    this.gap();
    this.emit('SHARE', page.id, page.env, { dir: 'Out', type: this.rng.pick(SHARE_TYPES), items: [{ id, type, ver }] });
  }

  /** start-assignment, one ASSESS per question (3 to 5), and submit-assignment for some. */
  private assignment(page: Page): void {
    const { rng, p } = this;
    this.gap();
    this.emit('INTERACT', page.id, page.env, { type: 'CLICK', id: ASSIGNMENT_BUTTONS.start, pageid: page.id });
    const questions = rng.range(3, 5);
    for (let index = 1; index <= questions; index++) {
      const asked = this.t;
      this.gap();
      const pass = rng.chance(0.65);
      this.emit('ASSESS', page.id, page.env, {
        item: { id: `q${index}`, maxscore: 1, type: 'mcq', title: `Question ${index}` },
        index,
        pass: pass ? 'Yes' : 'No',
        score: pass ? 1 : 0,
        resvalues: [{ [`ans${index}`]: String(rng.range(1, 4)) }],
        duration: (this.t - asked) / 1000,
      });
    }
    if (rng.chance(p.assignmentSubmitRate)) {
      this.gap();
      this.emit('INTERACT', page.id, page.env, { type: 'CLICK', id: ASSIGNMENT_BUTTONS.submit, pageid: page.id });
    }
  }

  /** The funnel steps 1..depth, in order, a few seconds apart. */
  private funnel(depth: number): void {
    this.object = undefined;
    for (const step of this.p.funnelSteps.slice(0, depth)) {
      this.gap();
      if (step.eid === 'IMPRESSION') {
        this.emit('IMPRESSION', step.pageid, step.pageid, {
          type: 'view',
          pageid: step.pageid,
          uri: `/${step.pageid}`,
        });
      } else {
        this.emit('INTERACT', step.pageid, step.pageid, { type: 'CLICK', id: step.id, pageid: step.pageid });
      }
    }
  }

  /** App sent to the background and resumed; long pauses (over 600 s) are idle time for the summarizer. */
  private interrupt(pageid: string, env: string): void {
    this.gap();
    this.emit('INTERRUPT', pageid, env, { type: 'background', pageid });
    this.t += Math.min(MAX_INTERRUPT_MS, 30_000 + Math.round(this.rng.exponential(240_000)));
    this.emit('INTERRUPT', pageid, env, { type: 'resume', pageid });
  }

  private gap(): void {
    this.t += Math.min(MAX_GAP_MS, 1000 + Math.round(this.rng.exponential(this.p.thinkSeconds * 1000)));
  }

  private emit(eid: string, pageid: string, env: string, edata: Record<string, unknown>): SimEvent {
    const { p, user } = this;
    const event: SimEvent = {
      eid,
      ets: this.t,
      ver: '3.0',
      // "sim" marks simulated traffic; seed, user and sequence make the mid unique and reproducible.
      mid: `${eid}:sim-${p.seed}-${user.index}-${user.seq++}`,
      actor: { id: user.actorId, type: 'User' },
      context: {
        channel: p.channel,
        pdata: { id: p.pdataId, ver: this.ver, pid: `esamwadapp-${pageid}` },
        env,
        sid: this.sid,
        did: user.did,
        cdata: [
          { type: 'selectedUser', id: user.role },
          { type: 'udise', id: user.school.udise },
        ],
        rollup: { l1: user.school.state, l2: user.school.district, l3: user.school.block, l4: user.school.udise },
      },
      edata,
    };
    if (this.object) event.object = this.object;
    this.out.push(event);
    return event;
  }
}
