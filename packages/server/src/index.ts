/** Public entry of @telemetry/server: start the collector in-process (tests, embedding). */
export { type Config, loadConfig } from './config.js';
export { openCollector, type RunningServer, type ServerOptions, startServer } from './server.js';
export type { Store } from './store/store.js';
