/**
 * The Host header check for the admin API and the dashboard: a web page that points its own domain at this
 * machine (DNS rebinding) reaches us with its own name as Host, so only configured names are answered
 * (TELEMETRY_ALLOWED_HOSTS). Ingestion is not checked: SDKs post from any origin, under any name.
 */
import type { FastifyRequest } from 'fastify';
import { ApiError } from './errors.js';

/** The host name of a Host header value, lower-case, without its port or IPv6 brackets; '' when absent. */
export function hostName(header: string | undefined): string {
  const value = (header ?? '').trim().toLowerCase();
  if (value.startsWith('[')) return value.slice(1, value.indexOf(']') > 0 ? value.indexOf(']') : undefined);
  return value.replace(/:\d*$/, '');
}

/** An onRequest hook answering 403 HOST_NOT_ALLOWED unless the Host header names one of `allowed` (`*`: any). */
export function requireAllowedHost(allowed: string[]) {
  const names = new Set(
    allowed.map((h) =>
      h
        .trim()
        .toLowerCase()
        .replace(/^\[|\]$/g, ''),
    ),
  );
  return async (request: FastifyRequest): Promise<void> => {
    if (names.has('*')) return;
    const name = hostName(request.headers.host);
    if (!names.has(name)) {
      throw new ApiError(
        'HOST_NOT_ALLOWED',
        `this server does not answer for host "${name}"; add it to TELEMETRY_ALLOWED_HOSTS to allow it`,
      );
    }
  };
}
