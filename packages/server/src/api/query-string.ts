/** Query strings read as one value per parameter. */
import type { QueryError } from '@telemetry/query';
import type { FastifyRequest } from 'fastify';
import { ApiError } from './errors.js';

/**
 * The one rule for a parameter given more than once, for singleValues and the home page's checks (api/home.ts):
 * Fastify's parser gives `?eid=a&eid=b` as an array, which would otherwise reach a filter or a bound value as one.
 * Returns the error of parameter `name` holding `value`, or undefined when it was given once.
 */
export function repeatedParameter(name: string, value: unknown): QueryError | undefined {
  return Array.isArray(value) ? { path: name, message: 'given more than once' } : undefined;
}

/**
 * The request's query string, one text value per parameter; with `known`, only those parameters (and `token`, the
 * admin token's query-string form, api/auth.ts).
 * @throws ApiError QUERY_INVALID when a parameter is repeated (repeatedParameter), or is not one of `known`: a
 *   misspelt filter (`actor_id` for `actor`) would otherwise answer as if no filter were given
 */
export function singleValues(request: FastifyRequest, known?: readonly string[]): Record<string, string | undefined> {
  const query = (request.query ?? {}) as Record<string, string | string[] | undefined>;
  for (const [name, value] of Object.entries(query)) {
    const repeated = repeatedParameter(name, value);
    if (repeated) throw new ApiError('QUERY_INVALID', `${repeated.path}: ${repeated.message}`);
    if (known && name !== 'token' && !known.includes(name))
      throw new ApiError('QUERY_INVALID', `${name}: is not a parameter here (known: ${known.join(', ')})`);
  }
  return query as Record<string, string | undefined>;
}
