/** Script-tag build: `window.Telemetry` (our API) and the drop-in `window.EkTelemetry` / `window.$t` (Sunbird's). */
import { createTelemetry } from './client.js';
import { createFacade } from './facade.js';

const w = globalThis as Record<string, unknown>;
const facade = createFacade();
w.Telemetry = { createTelemetry };
w.EkTelemetry = w.$t = facade;
