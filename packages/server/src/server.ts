/**
 * The composition root: opens the store, starts the pipeline over it (pipeline.ts: recovers and loads the spool,
 * rebuilds the de-duplication indexes), then serves HTTP. `close()` stops taking requests, commits, loads and closes.
 */
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { type AppContext, buildApp } from './app.js';
import { type Config, loadConfig } from './config.js';
import { checkExposure } from './exposure.js';
import { openPipeline, type Pipeline } from './pipeline.js';
import type { Loader } from './spool/loader.js';
import { lockSpool } from './spool/spool-lock.js';
import { openStore } from './store/open-store.js';
import { ReadGate } from './store/read-gate.js';
import type { Store } from './store/store.js';

export interface RunningServer {
  url: string;
  /** Risky settings this server started with (exposure.ts); `telemetry serve` prints them at every start. */
  warnings: string[];
  app: FastifyInstance;
  store: Store;
  loader: Loader;
  config: Config;
  close(): Promise<void>;
}

export type ServerOptions = Partial<Config>;

/**
 * How far behind (s: the oldest segment not loaded yet) the loader may fall before user reads yield to it
 * (store/read-gate.ts). Keeping up, it is 0–5 s behind at 10,000 events/s (segments rotate, loads take turns).
 */
const LOADER_BEHIND_S = 5;

/**
 * Takes the data directory's spool for this process (spool/spool-lock.ts), then opens the store and the pipeline over
 * it (pipeline.ts), loading what a previous run acknowledged but did not load. `close()` gives the spool up last.
 * @throws SpoolLockedError when another process owns the spool (nothing opened then); StoreError when the store
 *   cannot be opened; what openPipeline throws (the store is closed then)
 */
export async function openCollector(config: Config): Promise<Pipeline> {
  const spoolDir = path.join(config.dataDir, 'spool');
  const lock = lockSpool(config.dataDir);
  try {
    const pipeline = await openPipelineOnStore(config, spoolDir);
    return {
      ...pipeline,
      close: async () => {
        try {
          await pipeline.close();
        } finally {
          lock.release();
        }
      },
    };
  } catch (error) {
    lock.release();
    throw error;
  }
}

async function openPipelineOnStore(config: Config, spoolDir: string): Promise<Pipeline> {
  const store = await openStore({
    url: config.store,
    dataDir: config.dataDir,
    spoolDir,
    actorKey: config.actorKey,
    writer: config.writerId,
    sqlUser: config.clickhouseSqlUser,
    duckdb: {
      threads: config.duckdbThreads,
      memoryLimit: config.duckdbMemory,
      ingestMemoryLimit: config.duckdbIngestMemory,
    },
  });
  try {
    return await openPipeline(config, store, spoolDir);
  } catch (error) {
    await store.close();
    throw error;
  }
}

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const config = loadConfig(process.env, options);
  // Before anything is opened or bound: an exposed server without a token does not start at all.
  const exposure = checkExposure(config);
  if (exposure.refusal) throw new Error(exposure.refusal);
  const opened = await openCollector(config);
  const ctx: AppContext = {
    config,
    store: opened.store,
    collector: opened.collector,
    loader: opened.loader,
    spool: { error: () => opened.spoolHealth.error(), damaged: opened.damaged },
    metrics: opened.metrics,
    freshness: opened.freshness,
    forwarder: opened.forwarder,
    reads: new ReadGate({
      concurrency: config.queryConcurrency,
      queue: config.queryQueue,
      loaderBehind: () => opened.loader.behind(LOADER_BEHIND_S),
    }),
  };
  const app = await buildApp(ctx);
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await opened.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  return {
    url: `http://${config.host}:${port}`,
    warnings: exposure.warnings,
    app,
    store: opened.store,
    loader: opened.loader,
    config,
    close: async () => {
      await app.close();
      await opened.close();
    },
  };
}
