/**
 * Sunbird's own fixtures through our collector: the golden data set imported with the CLI path
 * (repeated batch recognised, valid events stored, invalid ones kept with reasons), and every
 * sample event stored or rejected exactly as Sunbird's pipeline schemas judge it.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { loadSamples, pipelineVerdict } from '../../spec/src/test-support/pipeline-oracle.js';
import { REFERENCE_SKIP, referenceDir } from '../../spec/src/test-support/reference-dir.js';
import { importFile } from '../src/commands/import.js';
import { openStore } from '../src/store/open-store.js';
import { eventually, postBatch, sql, startTestServer, tempDir } from './helpers.js';

/** Both tests read Sunbird's samples: skipped, with the reason, where the reference is absent. */
const ORACLE = { skip: REFERENCE_SKIP };

test('importing the golden data set recognises the repeated batch and keeps every event', ORACLE, async () => {
  const dataDir = tempDir();
  const goldenFile = path.join(referenceDir(), 'samples/sunbird-data-pipeline/flink_golden_dataset.json');
  const summary = await importFile(goldenFile, { dataDir });
  // Lines 1 and 3 are the same batch: the third line is answered from the msgid index.
  assert.equal(summary.batches, 3);
  assert.equal(summary.duplicateBatches, 1);
  assert.equal(summary.badLines, 0);

  const { samples } = loadSamples();
  const golden = samples.filter(
    (s) => s.source.startsWith('flink_golden_dataset.json:1 ') || s.source.startsWith('flink_golden_dataset.json:2 '),
  );
  const valid = golden.filter((s) => pipelineVerdict(s.event));
  const invalid = golden.filter((s) => !pipelineVerdict(s.event));
  assert.ok(invalid.length > 0, 'the golden data set holds deliberately invalid events');

  const store = await openStore({ dataDir });
  try {
    const stored = await store.query('SELECT mid FROM events ORDER BY mid');
    const expectedMids = [...new Set(valid.map((s) => (s.event as { mid: string }).mid))].sort();
    assert.deepEqual(
      stored.rows.map((r) => r[0]),
      expectedMids,
    );
    const failed = await store.query('SELECT eid, reason, errors FROM failed_events ORDER BY eid');
    assert.equal(failed.rows.length, invalid.length);
    for (const row of failed.rows) {
      assert.equal(row[1], 'invalid_schema');
      assert.ok((row[2] as string[]).length > 0 && (row[2] as string[]).every((e) => e.length > 0));
    }
  } finally {
    await store.close();
  }
});

test('every sample event is stored or rejected exactly as Sunbird pipeline schemas judge it', ORACLE, async () => {
  const server = await startTestServer();
  try {
    const { samples } = loadSamples();
    // One event per batch, each with a unique mid, so de-duplication does not hide a verdict.
    const posted = samples.map((sample, i) => {
      const event = sample.event as Record<string, unknown>;
      const mid = `sample-${i}`;
      return {
        ...sample,
        mid,
        expectValid: pipelineVerdict(event),
        body: { params: { msgid: `b-${i}` }, events: [{ ...event, mid }] },
      };
    });
    for (const p of posted) {
      const response = await postBatch(server, p.body);
      assert.equal(response.status, 200, p.source);
      const result = ((await response.json()) as { result: { stored: number; rejected: number } }).result;
      assert.deepEqual([result.stored, result.rejected], p.expectValid ? [1, 0] : [0, 1], p.source);
    }
    await eventually(async () => {
      const [[events, failed]] = (await sql(
        server,
        'SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM failed_events)',
      )) as number[][];
      return events + failed === posted.length;
    });
    const storedMids = new Set((await sql(server, 'SELECT mid FROM events')).map((r) => r[0]));
    const mismatches = posted.filter((p) => storedMids.has(p.mid) !== p.expectValid).map((p) => p.source);
    assert.deepEqual(mismatches, []);
    assert.ok(posted.some((p) => p.expectValid) && posted.some((p) => !p.expectValid));
  } finally {
    await server.close();
  }
});
