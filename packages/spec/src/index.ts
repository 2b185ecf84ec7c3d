// The public surface of @telemetry/spec: the V3 model, schemas, validator, builders, mid generation and levels.
export * from './builders.js';
export * from './levels.js';
export * from './mid.js';
export * from './schemas.js';
export * from './types.js';
export * from './validate.js';
