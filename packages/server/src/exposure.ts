/**
 * Start-up checks of how exposed a configuration is (docs/security.md): a server reachable from the network
 * without an admin token lets anyone run SQL over all the data, so it refuses to start unless the operator
 * says TELEMETRY_ALLOW_OPEN=1; the other risky choices start with a warning, at every start.
 */
import { type Config, isLoopback } from './config.js';

export interface Exposure {
  /** Why the server must not start; absent when it may. */
  refusal?: string;
  /** Printed at every start. */
  warnings: string[];
}

export function checkExposure(config: Config): Exposure {
  const warnings: string[] = [];
  const networked = !isLoopback(config.host);
  if (networked && !config.adminToken) {
    if (!config.allowOpen) {
      return {
        refusal:
          `HOST=${config.host} serves the network, and without TELEMETRY_ADMIN_TOKEN anyone who reaches the port ` +
          'can read every event and run SQL. Set TELEMETRY_ADMIN_TOKEN, bind HOST=127.0.0.1 behind a proxy, or set ' +
          'TELEMETRY_ALLOW_OPEN=1 to serve it open anyway (docs/security.md).',
        warnings,
      };
    }
    warnings.push(
      `HOST=${config.host} with no TELEMETRY_ADMIN_TOKEN and TELEMETRY_ALLOW_OPEN=1: the API and SQL are open to anyone who reaches the port`,
    );
  }
  if (config.writeKeys.length === 0) {
    warnings.push(
      'no TELEMETRY_WRITE_KEYS: anyone who reaches the port can send events (unchanged Sunbird apps send no key)',
    );
  }
  if (config.allowedHosts.includes('*')) {
    warnings.push(
      'TELEMETRY_ALLOWED_HOSTS=*: the Host header is not checked (web pages can reach the API by DNS rebinding)',
    );
  }
  return { warnings };
}
