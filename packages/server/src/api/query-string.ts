/** Query strings read as one value per parameter. */
import type { FastifyRequest } from 'fastify';
import { ApiError } from './errors.js';

/**
 * The request's query string, one text value per parameter.
 * @throws ApiError QUERY_INVALID when a parameter is repeated (Fastify's parser gives an array for `?eid=a&eid=b`,
 *   which would otherwise reach a filter or a bound value as an array)
 */
export function singleValues(request: FastifyRequest): Record<string, string | undefined> {
  const query = (request.query ?? {}) as Record<string, string | string[] | undefined>;
  for (const [name, value] of Object.entries(query))
    if (Array.isArray(value)) throw new ApiError('QUERY_INVALID', `${name}: given more than once`);
  return query as Record<string, string | undefined>;
}
