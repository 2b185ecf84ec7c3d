/**
 * Bench helper, run as its own process (so its CPU is not counted as the forwarder's): a PostHog `/batch/` endpoint
 * that gunzips and parses each request, checks the documented shape of every message (event, distinct_id, uuid,
 * timestamp, properties), counts them and answers `{"status":"Ok"}`. GET /count → `{"events","requests","bad"}`.
 */
import http from 'node:http';
import zlib from 'node:zlib';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
let events = 0;
let requests = 0;
let bad = 0;

http
  .createServer((request, response) => {
    if (request.method === 'GET') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ events, requests, bad }));
      return;
    }
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      requests++;
      const body = JSON.parse(zlib.gunzipSync(Buffer.concat(chunks)).toString('utf8')) as {
        batch: Record<string, unknown>[];
      };
      for (const m of body.batch) {
        const ok =
          typeof m.event === 'string' &&
          typeof m.distinct_id === 'string' &&
          typeof m.uuid === 'string' &&
          UUID.test(m.uuid) &&
          typeof m.timestamp === 'string' &&
          typeof m.properties === 'object';
        if (ok) events++;
        else bad++;
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"Ok"}');
    });
  })
  .listen(Number(process.env.PORT), '127.0.0.1');
