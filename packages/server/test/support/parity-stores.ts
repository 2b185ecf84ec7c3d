/**
 * The parity data set (parity-segments.ts) loaded into a DuckDB store and a ClickHouse one, for tests that compare
 * an insight's answers on both: segments 1, 2, 3 into each, then a re-sent copy of segment 1 into ClickHouse in a load
 * of its own, with that database's merges stopped first, so the copies stay unfolded and only `FINAL` folds them
 * (docs/clickhouse.md, de-duplication). Every clickhouse-<insight>.test.ts file loads it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { after, before } from 'node:test';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { tempDir } from '../temp-dir.js';
import { clickHouseService, clickHouseText } from './clickhouse.js';
import { writeParitySegments } from './parity-segments.js';
import { openMemoryStore } from './store.js';

export interface ParityStores {
  duck: Store;
  /** The ClickHouse store, holding every event of segment 1 twice until a merge (merges stopped). */
  house: Store;
  close(): Promise<void>;
}

/**
 * Opens both stores and loads the data set; `service` is the ClickHouse test service (support/clickhouse.ts) whose
 * database (`storeUrl`) is this file's own. `prefix` names the temporary spool directory.
 */
export async function loadParityStores(
  service: { storeUrl: string; httpUrl: string; database: string },
  prefix: string,
): Promise<ParityStores> {
  const spoolDir = path.join(tempDir(prefix), 'spool');
  fs.mkdirSync(spoolDir);
  const segments = writeParitySegments(spoolDir);
  return loadBothStores(service, spoolDir, segments, [segments[0]]);
}

/**
 * DuckDB (reading `spoolDir`) and the ClickHouse database `target` names, each of `files` loaded into both as
 * segments 1, 2, …; then that database's merges stopped and each of `copies` loaded into ClickHouse only, as the
 * segments after them (re-sent copies, which only FINAL folds).
 */
export async function loadBothStores(
  target: { storeUrl: string; httpUrl: string; database: string },
  spoolDir: string,
  files: string[],
  copies: string[],
): Promise<ParityStores> {
  const duck = await openMemoryStore({ spoolDir });
  const house = await openStore({ url: target.storeUrl });
  for (const [i, file] of files.entries()) {
    await duck.loadSegment(file, i + 1);
    await house.loadSegment(file, i + 1);
  }
  await clickHouseText(target.httpUrl, `SYSTEM STOP MERGES ${target.database}.events`);
  for (const [i, file] of copies.entries()) await house.loadSegment(file, files.length + i + 1);
  return {
    duck,
    house,
    async close() {
      await duck.close();
      await house.close();
    },
  };
}

/**
 * A test file's parity stores: loaded in a `before` hook (handed to `onLoad`, to set the file's variables) and closed
 * in an `after` hook. Gives the tests' `skip`: a one-line reason where ClickHouse cannot run here, else false.
 */
export function parityStoresForFile(prefix: string, onLoad: (stores: ParityStores) => void): string | false {
  const service = clickHouseService();
  if ('skip' in service) return service.skip;
  let stores: ParityStores | undefined;
  before(async () => {
    stores = await loadParityStores(service, prefix);
    onLoad(stores);
  });
  after(() => stores?.close());
  return false;
}
