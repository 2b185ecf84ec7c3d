// The small vocabulary our JSON Schemas (draft-07, compiled by ajv) are written in, so each event file reads like its spec table.

/** A JSON Schema object. Kept as our own type so schema files never import ajv (the SDK bundles the types). */
export type JsonSchema = { readonly [keyword: string]: unknown };

export const STRING: JsonSchema = { type: 'string' };
export const NUMBER: JsonSchema = { type: 'number' };
/** Any JSON object: used where the spec says "free object" (INTERACT extra, SEARCH filters, HEARTBEAT edata). */
export const OBJECT: JsonSchema = { type: 'object' };
export const STRING_ARRAY: JsonSchema = { type: 'array', items: STRING };
/** An array of free objects, e.g. ASSESS resvalues `[{"ans1":"6"}]` or LOG params `[{"url":"/x"}]`. */
export const OBJECT_ARRAY: JsonSchema = { type: 'array', items: OBJECT };

/**
 * An object that accepts only the listed keys, as the pipeline's `additionalProperties: false`.
 * Every edata (except HEARTBEAT) and the TARGET/PLUGIN/QUESTION/VISIT/inline OBJECT/ITEMS parts are closed.
 */
export function closedObject(properties: Record<string, JsonSchema>, required: readonly string[] = []): JsonSchema {
  return { type: 'object', properties, ...(required.length ? { required } : {}), additionalProperties: false };
}

/** An object whose listed keys are type-checked but which accepts any other key (envelope, context, pdata, ...). */
export function openObject(properties: Record<string, JsonSchema>, required: readonly string[] = []): JsonSchema {
  return { type: 'object', properties, ...(required.length ? { required } : {}) };
}
