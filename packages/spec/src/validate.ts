// Validates one decoded event against its V3 schema: the collector's hot path, so validators are compiled once at
// load and a call does one Map lookup and one compiled check, allocating only its result.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { EVENT_SCHEMAS } from './schemas.js';
import { EIDS, type TelemetryEvent } from './types.js';

/** Why an event was rejected: a closed set, so the collector can keep one counter per reason. */
export const REJECTION_REASONS = ['not_object', 'unknown_eid', 'invalid_schema'] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

export type ValidationResult =
  | { valid: true; event: TelemetryEvent }
  | { valid: false; reason: RejectionReason; errors: string[] };

// allErrors:false stops at the first failure (the pipeline also reports only the first failing field) and is what
// makes rejections cheap. Strict mode catches mistakes in our own schemas at load time, and its strictNumbers rejects
// Infinity (what JSON.parse makes of 1e400), which JSON.stringify would silently turn into null downstream.
// verbose keeps the failing value on the error (only on the failure path) so that case gets a clear message.
const ajv = new Ajv({ allErrors: false, strict: true, messages: true, verbose: true });

const VALIDATORS: ReadonlyMap<string, ValidateFunction> = new Map(
  EIDS.map((eid) => [eid, ajv.compile(EVENT_SCHEMAS[eid])] as const),
);

/** Checks that `value` (a JSON.parse result) is a V3 event. Never throws. A valid event is returned as is, not copied. */
export function validateEvent(value: unknown): ValidationResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { valid: false, reason: 'not_object', errors: [`event must be an object, got ${kindOf(value)}`] };
  }
  const eid = (value as { eid?: unknown }).eid;
  const validator = typeof eid === 'string' ? VALIDATORS.get(eid) : undefined;
  if (validator === undefined) {
    return { valid: false, reason: 'unknown_eid', errors: [unknownEidMessage(eid)] };
  }
  if (validator(value)) return { valid: true, event: value as TelemetryEvent };
  return { valid: false, reason: 'invalid_schema', errors: (validator.errors ?? []).map(formatError) };
}

function unknownEidMessage(eid: unknown): string {
  if (eid === undefined) return "/: must have required property 'eid'";
  // Cut long values: the message is stored with every rejected event, and a broken client may send many.
  const shown = typeof eid === 'string' && eid.length > 64 ? `${eid.slice(0, 64)}…` : eid;
  return `eid ${JSON.stringify(shown)} is not a V3 event`;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : typeof value;
}

/** One ajv error as "<JSON pointer>: <message>", naming the offending key where ajv keeps it in params. */
function formatError(error: ErrorObject): string {
  const path = error.instancePath || '/';
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return `${path}: must NOT have additional property '${String(params.additionalProperty)}'`;
    case 'enum':
      return `${path}: must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `${path}: must be ${JSON.stringify(params.allowedValue)}`;
    case 'type':
      if (typeof error.data === 'number' && !Number.isFinite(error.data)) return `${path}: must be a finite number`;
      return `${path}: ${error.message}`;
    default:
      return `${path}: ${error.message ?? error.keyword}`;
  }
}
