/** Script-tag build, the core: `window.Telemetry.createTelemetry` (our API). */
import { createTelemetry } from './client.js';

(globalThis as Record<string, unknown>).Telemetry = { createTelemetry };
