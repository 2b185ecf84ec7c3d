/** What the access log records of a request: never a token (`?token=` carries the admin token for EventSource). */
import type { FastifyRequest } from 'fastify';

/** `url` with the value of every `token` query parameter replaced by `[redacted]`. */
export function redactUrl(url: string): string {
  return url.replace(/([?&]token=)[^&#]*/gi, '$1[redacted]');
}

/** Fastify's `req` log serializer: method, redacted URL, host and peer; no headers (Authorization stays out). */
export function serializeRequest(request: FastifyRequest) {
  return {
    method: request.method,
    url: redactUrl(request.url),
    host: request.headers.host,
    remoteAddress: request.ip,
  };
}
