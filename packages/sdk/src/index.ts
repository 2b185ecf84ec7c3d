/** The SDK's ESM entry: the client, storages and the pieces a custom integration may need. */
export { createTelemetry, EIDS, type EventMethods, type TelemetryClient } from './client.js';
export { nextDelay, shouldRetry } from './retry.js';
export { asyncStorage, localStorageOrNull, memoryStorage } from './storage.js';
export { fetchTransport } from './transport.js';
export type * from './types.js';
