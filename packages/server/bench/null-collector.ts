/**
 * The null collector: the least any JavaScript collector must do per request. One plain
 * `node:http` process that reads each body, `JSON.parse`s it and answers 200 with Sunbird's
 * success envelope. It validates, de-duplicates and stores nothing; the ingest bench runs the
 * same load against it and reports the real collector's throughput as a ratio of this one.
 *
 *   PORT=9099 node --import tsx packages/server/bench/null-collector.ts
 */
import http from 'node:http';

const port = Number(process.env.PORT ?? 9099);
const host = process.env.HOST || '127.0.0.1';

const server = http.createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    let events = 0;
    try {
      const batch = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { events?: unknown[] } | null;
      events = Array.isArray(batch?.events) ? batch.events.length : 0;
    } catch {
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end('{"responseCode":"CLIENT_ERROR"}');
      return;
    }
    const body = JSON.stringify({
      id: 'api.telemetry',
      ver: '1.0',
      ets: Date.now(),
      params: {},
      received: events,
      responseCode: 'SUCCESS',
    });
    response.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    });
    response.end(body);
  });
});
server.keepAliveTimeout = 300_000;

server.listen(port, host, () => {
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  process.stdout.write(`null-collector: listening on http://${host}:${bound}\n`);
});

const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
