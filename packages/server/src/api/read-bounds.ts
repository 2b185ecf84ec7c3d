/** The bounds of one request's reads: its deadline runs from the request's arrival, its size from config. */
import type { FastifyReply } from 'fastify';
import type { AppContext } from '../app.js';
import { boundedStore } from '../store/read-gate.js';
import type { QueryBounds, Store } from '../store/store.js';

/**
 * Deadline (epoch ms) = arrival + TELEMETRY_SQL_TIMEOUT_MS; bytes = TELEMETRY_QUERY_MAX_BYTES.
 * `reply` dates the arrival of a request; without it (a live tail's later reads) the clock starts now.
 */
export function readBounds(ctx: AppContext, reply?: FastifyReply): Required<QueryBounds> {
  const arrived = Date.now() - (reply?.elapsedTime ?? 0);
  return { deadline: arrived + ctx.config.sqlTimeoutMs, maxBytes: ctx.config.queryMaxBytes };
}

/** The store for one request's analytics: every query gated (ctx.reads) and bounded by readBounds. */
export function readStore(ctx: AppContext, reply?: FastifyReply): Store {
  return boundedStore(ctx.store, ctx.reads, readBounds(ctx, reply));
}
