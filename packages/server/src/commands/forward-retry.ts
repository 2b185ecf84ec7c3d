/** `telemetry forward-retry`: sends the PostHog forwarder's dead letters again, to the store file or a running server. */
import { parseArgs } from 'node:util';
import { FORWARD_MAX_RETRY_MS, loadConfig } from '../config.js';
import { Forwarder } from '../sinks/posthog/forwarder.js';
import { openStore } from '../store/open-store.js';

const HELP = `usage: telemetry forward-retry [--limit N] [--timeout S] [--url http://127.0.0.1:8080]

Sends the events PostHog refused (the forward_dead_letters table) to PostHog again, oldest first: those it takes
now leave the table, the others stay with its new answer. Prints {"retried","delivered","refused","untried"}.
Without --url the store TELEMETRY_STORE names (default: in TELEMETRY_DATA_DIR) is opened directly (stop the server
first), the forwarder's
settings come from the environment (TELEMETRY_FORWARD_POSTHOG_*), and the work is bounded: at most --limit events
(default 10000) for at most --timeout seconds (default 300; while PostHog answers 429/5xx or cannot be reached
the batch is retried with backoff until then, and events not tried in time stay as they were: "untried").
With --url the running server does it (POST /api/forward/dead-letters/retry) within its own bounds (10000
events, 300 s); TELEMETRY_ADMIN_TOKEN is sent when set.
`;

/** A positive whole number from a flag, else the default; throws naming the flag when it is not one. */
function positive(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${flag} must be a positive whole number, got "${value}"`);
  return n;
}

export async function forwardRetryCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string' },
      limit: { type: 'string' },
      timeout: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const limit = positive('limit', values.limit, 10_000);
  const timeoutS = positive('timeout', values.timeout, 300);
  const config = loadConfig();
  let result: unknown;
  if (values.url) {
    const response = await fetch(`${values.url.replace(/\/$/, '')}/api/forward/dead-letters/retry`, {
      method: 'POST',
      signal: AbortSignal.timeout(360_000), // the server's own bound is 300 s
      headers: config.adminToken ? { authorization: `Bearer ${config.adminToken}` } : {},
    });
    result = await response.json();
    if (!response.ok) throw new Error(`HTTP ${response.status}: ${JSON.stringify(result)}`);
  } else {
    if (!config.forwardPostHog) throw new Error('set TELEMETRY_FORWARD_POSTHOG_HOST and _KEY to say where to send');
    const store = await openStore({ url: config.store, dataDir: config.dataDir, mustExist: true });
    try {
      const forwarder = new Forwarder(store, {
        ...config.forwardPostHog,
        pollMs: 1000,
        maxRetryMs: FORWARD_MAX_RETRY_MS,
        timeoutMs: 30_000,
      });
      result = await forwarder.retryDeadLetters({ limit, timeoutMs: timeoutS * 1000 });
    } finally {
      await store.close();
    }
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return 0;
}
