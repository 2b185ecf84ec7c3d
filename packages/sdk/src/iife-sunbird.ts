/** Script-tag build for Sunbird pages: the core plus the drop-in `window.EkTelemetry` / `window.$t` (Sunbird's API). */
import './iife.js';
import { createFacade } from './facade.js';

const w = globalThis as Record<string, unknown>;
w.EkTelemetry = w.$t = createFacade();
