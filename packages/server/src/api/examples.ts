/** GET /examples/* (the repo's example apps) and GET /sdk/* (the SDK's built bundles): a small static handler for development. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RouteGroup } from '../app.js';
import { errorBody } from './errors.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const ROOTS = {
  examples: path.join(REPO_ROOT, 'examples'),
  sdk: path.join(REPO_ROOT, 'packages/sdk/dist'),
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.map': 'application/json; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
};

/**
 * Resolves `rel` inside `root`, or undefined when it would escape it. Decoding happens before the check, so
 * `%2e%2e/` is caught too; a NUL byte is refused outright.
 */
export function safeJoin(root: string, rel: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rel);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const full = path.resolve(root, '.' + path.posix.normalize('/' + decoded));
  return full === root || full.startsWith(root + path.sep) ? full : undefined;
}

async function serve(request: FastifyRequest, reply: FastifyReply, root: string, rel: string) {
  let file = safeJoin(root, rel || '');
  const notFound = () => reply.code(404).send(errorBody('api.static', 'NOT_FOUND', 'no such file', 404));
  if (!file) return notFound();
  try {
    if ((await fs.stat(file)).isDirectory()) {
      // A page's relative links (`quiz.js`) resolve against its URL: a folder is served only at
      // its slash form, as static servers do, or /examples/quiz would load /examples/quiz.js.
      const [pathname, query] = splitUrl(request.url);
      if (!pathname.endsWith('/')) return reply.redirect(`${pathname}/${query}`, 301);
      file = path.join(file, 'index.html');
    }
    const body = await fs.readFile(file);
    // Development files change under the server: never let a browser serve a stale bundle.
    return reply
      .type(TYPES[path.extname(file)] ?? 'application/octet-stream')
      .header('cache-control', 'no-store')
      .send(body);
  } catch {
    return notFound();
  }
}

/** The path and the `?query` (with its `?`, or '') of a request URL. */
function splitUrl(url: string): [string, string] {
  const at = url.indexOf('?');
  return at < 0 ? [url, ''] : [url.slice(0, at), url.slice(at)];
}

export const examplesRoutes: RouteGroup = (app) => {
  for (const [prefix, root] of Object.entries(ROOTS)) {
    app.get(`/${prefix}`, async (_request, reply) => reply.redirect(`/${prefix}/`));
    app.get(`/${prefix}/*`, async (request, reply) =>
      serve(request, reply, root, (request.params as { '*': string })['*']),
    );
  }
};
