// Our schemas give the same verdict as Sunbird's production pipeline schemas on every sample event, every generated
// edge case and every fixture; the few intended differences are listed, and checked to still differ.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EDATA_CASES, type EdgeCase, ENVELOPE_CASES, KNOWN_DIFFERENCES } from './test-support/edge-cases.js';
import { MAXIMAL_ENVELOPE, makeEvent } from './test-support/envelopes.js';
import { FIXTURES } from './test-support/event-fixtures.js';
import { loadSamples, pipelineVerdict } from './test-support/pipeline-oracle.js';
import { REFERENCE_SKIP } from './test-support/reference-dir.js';
import { EIDS } from './types.js';
import { validateEvent } from './validate.js';

interface Comparison {
  name: string;
  pipeline: boolean;
  ours: boolean;
}

/** Every test here asks the reference: skipped, with the reason, where it is absent. */
const ORACLE = { skip: REFERENCE_SKIP };

function compare(cases: EdgeCase[]): Comparison[] {
  return cases.map(({ name, event }) => ({ name, pipeline: pipelineVerdict(event), ours: validateEvent(event).valid }));
}

function summarize(comparisons: Comparison[]): string {
  const valid = comparisons.filter((c) => c.pipeline).length;
  return `${comparisons.length} events: ${valid} valid, ${comparisons.length - valid} invalid per the pipeline`;
}

function assertSameVerdicts(comparisons: Comparison[]): void {
  const mismatches = comparisons.filter((c) => c.pipeline !== c.ours);
  assert.deepEqual(mismatches, [], `verdicts differ on ${mismatches.length} of ${comparisons.length}`);
}

describe('the oracle (Sunbird pipeline schemas, draft-04)', () => {
  test('reproduces the reference counts: 14/14 spec examples and 48/55 pipeline fixtures valid', ORACLE, () => {
    const { samples, unparseableLines } = loadSamples();
    const examples = samples.filter((s) => s.source.startsWith('spec-examples/'));
    const fixtures = samples.filter((s) => !s.source.startsWith('spec-examples/'));
    assert.equal(examples.filter((s) => pipelineVerdict(s.event)).length, 14);
    assert.equal(examples.length, 14);
    assert.equal(fixtures.filter((s) => pipelineVerdict(s.event)).length, 48);
    assert.equal(fixtures.length, 55);
    assert.deepEqual(unparseableLines, ['pipeline_test_data.json:4']);
  });

  test('same verdict on every sample event', ORACLE, (t) => {
    const { samples } = loadSamples();
    const comparisons = compare(samples.map((s) => ({ name: s.source, event: s.event })));
    t.diagnostic(`samples: ${summarize(comparisons)}`);
    assertSameVerdicts(comparisons);
  });
});

describe('same verdict as the pipeline', () => {
  test('on generated envelope edge cases', ORACLE, (t) => {
    const comparisons = compare(ENVELOPE_CASES);
    t.diagnostic(`envelope edge cases: ${summarize(comparisons)}`);
    assertSameVerdicts(comparisons);
    // The cases must exercise both verdicts, or they test nothing.
    assert.ok(comparisons.some((c) => c.pipeline) && comparisons.some((c) => !c.pipeline));
  });

  test('on generated edata edge cases', ORACLE, (t) => {
    const comparisons = compare(EDATA_CASES);
    t.diagnostic(`edata edge cases: ${summarize(comparisons)}`);
    assertSameVerdicts(comparisons);
    assert.ok(comparisons.some((c) => c.pipeline) && comparisons.some((c) => !c.pipeline));
  });

  test('on our own per-event fixtures (minimal, maximal, invalid)', ORACLE, (t) => {
    const cases = EIDS.flatMap((eid) => [
      { name: `${eid} minimal`, event: makeEvent(eid, FIXTURES[eid].minimal) },
      { name: `${eid} maximal`, event: makeEvent(eid, FIXTURES[eid].maximal, MAXIMAL_ENVELOPE) },
      ...FIXTURES[eid].invalid.map((i) => ({ name: `${eid} ${i.name}`, event: makeEvent(eid, i.edata) })),
    ]);
    const comparisons = compare(cases);
    t.diagnostic(`fixtures: ${summarize(comparisons)}`);
    assertSameVerdicts(comparisons);
  });
});

test('known differences (documented in README) still differ: the pipeline accepts, we reject', ORACLE, () => {
  assert.equal(KNOWN_DIFFERENCES.length, 9);
  for (const c of compare(KNOWN_DIFFERENCES)) assert.deepEqual(c, { ...c, pipeline: true, ours: false }, c.name);
});
