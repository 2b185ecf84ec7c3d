/**
 * Insight answers reused while the data they read has not changed (every insight, sessions included, and the home page): an answer is kept under its
 * route, its parsed query, its resolved range (`from`, the zone, and `to` to the minute) and the
 * store's data version — the number of spool loads and summarizer runs so far (AppContext.loader's
 * onLoaded and onAfterLoad: sessions and time spent change after a load, when the summaries catch up). A
 * change makes every older answer unreachable, so a dashboard opened by many people, or reloaded, runs
 * its queries once per change and minute instead of once per view. Only 200 answers are kept, least
 * recently used dropped first. Answers say `x-answer-cache: hit` when they come from here.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../app.js';

const MAX_ENTRIES = 200;
const MINUTE = 60_000;

interface AnswerCache {
  version: number;
  answers: Map<string, string>;
}

const caches = new WeakMap<AppContext, AnswerCache>();

function forget(cache: AnswerCache): void {
  cache.version++;
  cache.answers.clear();
}

function cacheOf(ctx: AppContext): AnswerCache {
  let cache = caches.get(ctx);
  if (!cache) {
    const made: AnswerCache = { version: 0, answers: new Map() };
    ctx.loader.onLoaded(() => forget(made));
    ctx.loader.onAfterLoad(() => forget(made));
    caches.set(ctx, made);
    cache = made;
  }
  return cache;
}

const KEY = Symbol('answer-cache-key');
type Keyed = FastifyRequest & { [KEY]?: string };

/**
 * The key of a parsed insight body (`{query, range, now}`, insight-route.ts) or query string (GET
 * /api/home, api/home.ts), or undefined for another request.
 */
function keyOf(request: FastifyRequest, version: number): string | undefined {
  const body = (request.body ?? request.query) as {
    query?: unknown;
    range?: { from: number | null; to: number | null; timezone: string };
    deprecated?: string[];
    legacyAnswer?: boolean;
  };
  if (!body?.query || !body.range) return undefined;
  // A deprecated spelling is answered with headers (and perhaps the snake_case answer) that a kept answer lacks.
  if (body.deprecated?.length || body.legacyAnswer) return undefined;
  const { from, to, timezone } = body.range;
  const minute = to === null ? null : Math.floor(to / MINUTE);
  return JSON.stringify([version, request.url, body.query, from, timezone, minute]);
}

/** Installs the cache on the insight (and home) routes of `app` (one route group's scope). */
export function cacheAnswers(app: FastifyInstance, ctx: AppContext): void {
  // Without a loader (an app built around a bare store) nothing says when data changes: no cache.
  if (!ctx.loader) return;
  const cache = cacheOf(ctx);
  app.addHook('preHandler', async (request: Keyed, reply) => {
    const key = keyOf(request, cache.version);
    if (key === undefined) return;
    const hit = cache.answers.get(key);
    if (hit !== undefined) {
      // Most recently used last.
      cache.answers.delete(key);
      cache.answers.set(key, hit);
      return reply.header('x-answer-cache', 'hit').type('application/json; charset=utf-8').send(hit);
    }
    request[KEY] = key;
  });
  app.addHook('onSend', async (request: Keyed, reply, payload) => {
    const key = request[KEY];
    if (
      key !== undefined &&
      reply.statusCode === 200 &&
      typeof payload === 'string' &&
      key.startsWith(`[${cache.version},`)
    ) {
      cache.answers.set(key, payload);
      if (cache.answers.size > MAX_ENTRIES) cache.answers.delete(cache.answers.keys().next().value as string);
    }
    return payload;
  });
}

/** Drops every kept answer: something insights read besides the events changed (a cohort was saved or deleted). */
export function forgetAnswers(ctx: AppContext): void {
  const cache = caches.get(ctx);
  if (cache) forget(cache);
}
