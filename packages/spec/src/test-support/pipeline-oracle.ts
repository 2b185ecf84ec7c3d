// Test support: Sunbird's production pipeline schemas (draft-04, from ../shared/reference) as an oracle, and the
// sample events to ask it about. Mirrors the pipeline-preprocessor: the schema file is `<eid lowercased>.json`.
// Read on first use, so a suite that imports this module still loads where the reference is absent (it skips).
import fs from 'node:fs';
import path from 'node:path';
import ajvDraft04 from 'ajv-draft-04';
import { referenceDir } from './reference-dir.js';

// A CommonJS module: under NodeNext its class is the default export's `default`.
const AjvDraft04 = ajvDraft04.default;

const BASE_URI = 'resource:/schemas/telemetry/3.0/';

/**
 * Removes draft-04 `id` keywords (never property names, whose values are schemas). They are annotations here (every
 * `$ref` is absolute), but response.json reuses start.json's root id, and ajv refuses to register a duplicate id.
 */
function stripIds(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(stripIds);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'id' && typeof value === 'string') continue;
    out[key] = stripIds(value);
  }
  return out;
}

function loadPipelineSchemas() {
  // validateFormats:false: common.json puts "format":"date-time" on the numeric ets, a no-op for the Java validator.
  const ajv = new AjvDraft04({ strict: false, validateFormats: false, allErrors: false });
  const schemaDir = path.join(referenceDir(), 'schemas/sunbird-pipeline-3.0');
  const files = fs.readdirSync(schemaDir).filter((f) => f.endsWith('.json'));
  for (const file of files) {
    const schema = stripIds(JSON.parse(fs.readFileSync(path.join(schemaDir, file), 'utf8'))) as object;
    ajv.addSchema(schema, BASE_URI + file);
  }
  return { ajv, files: new Set(files) };
}

let pipeline: ReturnType<typeof loadPipelineSchemas> | undefined;

/** The pipeline's errors for an event, checked against `<eid lowercased>.json`, or envelope.json without eid. */
export function pipelineErrors(event: unknown): string[] {
  pipeline ??= loadPipelineSchemas();
  const eid = (event as { eid?: unknown } | null)?.eid;
  const file = eid === undefined || eid === null ? 'envelope.json' : `${String(eid).toLowerCase()}.json`;
  if (!pipeline.files.has(file)) return [`no schema ${file}: eid looks incorrect, sending to failed`];
  const validate = pipeline.ajv.getSchema(BASE_URI + file);
  if (!validate) throw new Error(`schema ${file} did not compile`);
  return validate(event) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

/** The pipeline's verdict: valid or not. */
export function pipelineVerdict(event: unknown): boolean {
  return pipelineErrors(event).length === 0;
}

export interface Sample {
  source: string;
  event: unknown;
}

/** Every spec example (one event per file) and every event of every parseable batch line of the NDJSON fixtures. */
export function loadSamples(): { samples: Sample[]; unparseableLines: string[] } {
  const samplesDir = path.join(referenceDir(), 'samples');
  const samples: Sample[] = [];
  const unparseableLines: string[] = [];
  const examples = path.join(samplesDir, 'spec-examples');
  for (const file of fs.readdirSync(examples).sort()) {
    samples.push({
      source: `spec-examples/${file}`,
      event: JSON.parse(fs.readFileSync(path.join(examples, file), 'utf8')),
    });
  }
  for (const file of ['flink_golden_dataset.json', 'pipeline_test_data.json']) {
    const lines = fs.readFileSync(path.join(samplesDir, 'sunbird-data-pipeline', file), 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (!line.trim()) return;
      let batch: { events: unknown[] };
      try {
        batch = JSON.parse(line);
      } catch {
        unparseableLines.push(`${file}:${i + 1}`);
        return;
      }
      batch.events.forEach((event, j) => {
        samples.push({ source: `${file}:${i + 1} events[${j}]`, event });
      });
    });
  }
  return { samples, unparseableLines };
}
