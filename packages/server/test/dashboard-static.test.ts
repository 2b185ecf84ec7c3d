/**
 * The built dashboard (api/dashboard.ts): index.html never cached, hashed assets cached for a year, a file built
 * after the server started served at once (a rebuild shows without a restart), and any other path the error
 * catalog's 404. Skips where the dashboard is not built (`npm run build` builds it; the test command does).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { DASHBOARD_DIR } from '../src/api/dashboard.js';
import { startTestServer } from './helpers.js';

const BUILT = fs.existsSync(path.join(DASHBOARD_DIR, 'index.html'));
const skip = BUILT ? false : 'the dashboard is not built (npm run build)';
let server: Awaited<ReturnType<typeof startTestServer>>;
const late = path.join(DASHBOARD_DIR, 'assets', `late-${process.pid}.js`);

before(async () => {
  if (BUILT) server = await startTestServer();
});
after(async () => {
  fs.rmSync(late, { force: true });
  await server?.close();
});

test('index.html is never cached; its hashed assets are, for a year', { skip }, async () => {
  const index = await fetch(`${server.url}/`);
  assert.equal(index.status, 200);
  assert.equal(index.headers.get('cache-control'), 'no-cache');
  const html = await index.text();
  const asset = html.match(/src="(\/assets\/[^"]+\.js)"/)?.[1];
  assert.ok(asset, html.slice(0, 300));
  const res = await fetch(`${server.url}${asset}`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  await res.body?.cancel();
});

test('a file built after the server started is served at once; an unknown path is a 404 from the error catalog', {
  skip,
}, async () => {
  fs.writeFileSync(late, 'console.log("rebuilt");\n');
  const res = await fetch(`${server.url}/assets/${path.basename(late)}`);
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'console.log("rebuilt");\n');
  const missing = await fetch(`${server.url}/no-such-page`);
  assert.equal(missing.status, 404);
  const body = (await missing.json()) as { params: { err: string } };
  assert.equal(body.params.err, 'NOT_FOUND');
  const outside = await fetch(`${server.url}/%2e%2e/package.json`);
  assert.equal(outside.status, 404, 'nothing outside the dashboard is served');
  await outside.body?.cancel();
});
