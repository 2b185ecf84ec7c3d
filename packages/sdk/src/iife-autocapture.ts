/** Script-tag build with auto-capture: everything in iife-sunbird.ts plus `Telemetry.autocapture(client, options)`. */
import './iife-sunbird.js';
import { type AutocaptureOptions, autocapture } from './autocapture.js';
import type { TelemetryClient } from './client.js';

const w = globalThis as unknown as {
  Telemetry: Record<string, unknown>;
  EkTelemetry: { initialize(c: Record<string, unknown>): void; client?: TelemetryClient };
};
w.Telemetry.autocapture = autocapture;
// A Sunbird page gains auto-capture by adding `autocapture: {...}` to its initialize() config.
const init = w.EkTelemetry.initialize;
w.EkTelemetry.initialize = (config) => {
  const had = !!w.EkTelemetry.client;
  init(config);
  const client = w.EkTelemetry.client;
  if (!had && client && config?.autocapture) autocapture(client, config.autocapture as AutocaptureOptions);
};
