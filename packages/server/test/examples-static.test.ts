/** The example apps are served so that their relative links work: a folder only at its slash form. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestServer } from './helpers.js';

let server: Awaited<ReturnType<typeof startTestServer>>;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server?.close();
});

test('/examples/quiz redirects to /examples/quiz/, keeping the query; the slash form serves the page and its script', async () => {
  const bare = await fetch(`${server.url}/examples/quiz?lang=hi`, { redirect: 'manual' });
  assert.equal(bare.status, 301);
  assert.equal(bare.headers.get('location'), '/examples/quiz/?lang=hi');
  await bare.body?.cancel();

  const page = await fetch(`${server.url}/examples/quiz`);
  assert.equal(page.url, `${server.url}/examples/quiz/`);
  assert.equal(page.status, 200);
  const html = await page.text();
  const script = html.match(/<script[^>]*src="([^"]+)"/g)?.map((tag) => tag.match(/src="([^"]+)"/)![1]) ?? [];
  assert.ok(script.length > 0, 'the page loads scripts');
  for (const src of script) {
    const loaded = await fetch(new URL(src, page.url));
    assert.equal(loaded.status, 200, `${src} resolves against ${page.url}`);
    await loaded.body?.cancel();
  }
});

test('a file is served as it is, without a redirect', async () => {
  const file = await fetch(`${server.url}/examples/quiz/quiz.js`, { redirect: 'manual' });
  assert.equal(file.status, 200);
  assert.match(file.headers.get('content-type') ?? '', /javascript/);
  await file.body?.cancel();
});

test('/examples and /sdk: the bare prefix redirects to its folder; a bundle is served; a path out of the root is refused', async () => {
  const bare = await fetch(`${server.url}/examples`, { redirect: 'manual' });
  assert.equal(bare.status, 301);
  assert.equal(bare.headers.get('location'), '/examples/');
  await bare.body?.cancel();
  const sdk = await fetch(`${server.url}/sdk/telemetry-autocapture.min.js`);
  assert.equal(sdk.status, 200);
  assert.match(sdk.headers.get('content-type') ?? '', /javascript/);
  assert.equal(sdk.headers.get('cache-control'), 'no-store');
  await sdk.body?.cancel();
  for (const outside of [
    '/examples/%2e%2e/package.json',
    '/examples/..%2f..%2fpackage.json',
    '/sdk/%2e%2e/package.json',
  ]) {
    const res = await fetch(`${server.url}${outside}`, { redirect: 'manual' });
    assert.ok(res.status === 404 || res.status === 403 || res.status === 400, `${outside}: ${res.status}`);
    assert.doesNotMatch(await res.text(), /"workspaces"|"name": "@telemetry/);
  }
});
