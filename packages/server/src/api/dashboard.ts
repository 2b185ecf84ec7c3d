/**
 * GET / and the dashboard's assets: packages/dashboard/dist (built by `npm run build`) served with
 * @fastify/static. Hashed assets are cached for a year; index.html never, and each request is looked up on disk
 * (`wildcard`, not a route per file found at start-up), so a rebuilt dashboard shows at once. Before the first
 * build, / says how to build it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { RouteGroup } from '../app.js';

/** Where the built dashboard is; TELEMETRY_DASHBOARD_DIR is not a setting, the repo layout is. */
export const DASHBOARD_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../dashboard/dist');

export const dashboardRoutes: RouteGroup = async (app) => {
  if (!fs.existsSync(path.join(DASHBOARD_DIR, 'index.html'))) {
    app.get('/', async (_request, reply) =>
      reply
        .type('text/plain; charset=utf-8')
        .send('The dashboard is not built yet: run `npm run build` (or `npm start`) in the repository.\n'),
    );
    return;
  }
  await app.register(fastifyStatic, {
    root: DASHBOARD_DIR,
    prefix: '/',
    wildcard: true,
    index: ['index.html'],
    setHeaders(res, file: string) {
      const immutable = file.includes(`${path.sep}assets${path.sep}`);
      res.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
};
