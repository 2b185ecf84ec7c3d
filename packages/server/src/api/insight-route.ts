/**
 * Route options for POST /api/insights/<kind>: the kind's TypeBox schema from @telemetry/query as
 * the Fastify body schema, validated by the query parser instead of Fastify's default validator
 * (which would drop unknown keys and coerce types). A valid body is replaced by the parsed insight
 * (defaults filled, date range resolved, with the clock reading it was resolved against); a bad
 * one becomes a 400 QUERY_INVALID naming every wrong path.
 */
import {
  formatQueryErrors,
  INSIGHT_SCHEMAS,
  type InsightKind,
  type ParsedInsight,
  parseInsight,
} from '@telemetry/query';
import type { FastifyRequest, RouteShorthandOptions } from 'fastify';
import { requireAdmin } from './auth.js';
import { ApiError } from './errors.js';

/** The body a handler sees after validation; `now` is the one clock reading (epoch ms) of the request. */
export type ParsedBody<K extends InsightKind> = ParsedInsight<K> & { now: number };

export function insightRoute<K extends InsightKind>(kind: K, adminToken: string | undefined): RouteShorthandOptions {
  return {
    onRequest: requireAdmin(adminToken),
    schema: { body: INSIGHT_SCHEMAS[kind] },
    validatorCompiler: () => (body: unknown) => {
      const now = Date.now();
      const parsed = parseInsight(kind, body, now);
      if (!parsed.ok) return { error: new ApiError('QUERY_INVALID', formatQueryErrors(parsed.errors)) };
      return { value: { ...parsed.value, now } };
    },
  };
}

/** The parsed insight of a request that passed `insightRoute`'s validation. */
export function parsedBody<K extends InsightKind>(request: FastifyRequest, _kind: K): ParsedBody<K> {
  return request.body as ParsedBody<K>;
}
