/**
 * @telemetry/query: the insight query model shared by the server and the dashboard — schemas
 * (schemas.ts), answers (answers.ts), the date-range and property-path grammars (time.ts,
 * properties.ts) and the parser that resolves a body into a query (parse.ts).
 */

export type { Static, TSchema } from '@sinclair/typebox';
export * from './actors.js';
export * from './answers.js';
export * from './cohorts.js';
export * from './formula.js';
export * from './home.js';
export * from './parse.js';
export * from './properties.js';
export * from './schemas.js';
export * from './time.js';
