/** Query strings read as one value per parameter. */
import type { FastifyRequest } from 'fastify';
import { ApiError } from './errors.js';

/**
 * The request's query string, one text value per parameter; with `known`, only those parameters (and `token`, the
 * admin token's query-string form, api/auth.ts).
 * @throws ApiError QUERY_INVALID when a parameter is repeated (Fastify's parser gives an array for `?eid=a&eid=b`,
 *   which would otherwise reach a filter or a bound value as an array), or is not one of `known`: a misspelt filter
 *   (`actor_id` for `actor`) would otherwise answer as if no filter were given
 */
export function singleValues(request: FastifyRequest, known?: readonly string[]): Record<string, string | undefined> {
  const query = (request.query ?? {}) as Record<string, string | string[] | undefined>;
  for (const [name, value] of Object.entries(query)) {
    if (Array.isArray(value)) throw new ApiError('QUERY_INVALID', `${name}: given more than once`);
    if (known && name !== 'token' && !known.includes(name))
      throw new ApiError('QUERY_INVALID', `${name}: is not a parameter here (known: ${known.join(', ')})`);
  }
  return query as Record<string, string | undefined>;
}
