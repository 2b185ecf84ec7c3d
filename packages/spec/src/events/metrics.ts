// METRICS: business metrics of a service (spec §2.15): its edata type and schema.
//
// The spec text shows free `{"metric1": 1}` pairs; the production pipeline requires `system`/`subsystem` and a
// `metrics` list and rejects anything else. We follow the pipeline, so spec-style METRICS events are invalid.
import { closedObject, NUMBER, openObject, STRING } from '../json-schema.js';

/** One measurement. Open and nothing required, as in the pipeline schema. */
export interface MetricValue {
  metric?: string;
  value?: number;
}

export interface MetricsEdata {
  /** The system reporting, e.g. "content-service". */
  system: string;
  subsystem: string;
  metrics?: MetricValue[];
}

export const metricsEdataSchema = closedObject(
  {
    system: STRING,
    subsystem: STRING,
    metrics: { type: 'array', items: openObject({ metric: STRING, value: NUMBER }) },
  },
  ['system', 'subsystem'],
);
