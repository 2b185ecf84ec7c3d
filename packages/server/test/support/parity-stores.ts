/**
 * The parity data set (parity-segments.ts) loaded into a DuckDB store and a ClickHouse store, as
 * clickhouse-insights.test.ts loads it: the three segments into both, then a re-sent copy of segment 1 into ClickHouse
 * with its merges stopped, so only `FINAL` folds the copies and an insight that forgets it counts them twice.
 */
import fs from 'node:fs';
import path from 'node:path';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { tempDir } from '../temp-dir.js';
import { type ClickHouseService, clickHouseText } from './clickhouse.js';
import { writeParitySegments } from './parity-segments.js';
import { openMemoryStore } from './store.js';

export interface ParityStores {
  duck: Store;
  house: Store;
  close(): Promise<void>;
}

/**
 * Both stores with the parity data set; `service` is this file's ClickHouse database (clickHouseService), `prefix`
 * names the spool's temporary directory. The ClickHouse database is dropped by clickHouseService at the file's end.
 */
export async function openParityStores(
  service: Exclude<ClickHouseService, { skip: string }>,
  prefix: string,
): Promise<ParityStores> {
  const spoolDir = path.join(tempDir(prefix), 'spool');
  fs.mkdirSync(spoolDir);
  const segments = writeParitySegments(spoolDir);
  const duck = await openMemoryStore({ spoolDir });
  const house = await openStore({ url: service.storeUrl });
  for (const [i, file] of segments.entries()) {
    await duck.loadSegment(file, i + 1);
    await house.loadSegment(file, i + 1);
  }
  await clickHouseText(service.httpUrl, `SYSTEM STOP MERGES ${service.database}.events`);
  await house.loadSegment(segments[0], segments.length + 1);
  return {
    duck,
    house,
    close: async () => {
      await duck.close();
      await house.close();
    },
  };
}
