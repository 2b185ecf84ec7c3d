/** autocannon (a CommonJS package without types), typed for what the benches use of it. */
import { createRequire } from 'node:module';

export interface AutocannonRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  setupRequest?: (req: AutocannonRequest, context: object) => AutocannonRequest;
  onResponse?: (status: number, body: string) => void;
}

export interface AutocannonResult {
  start: Date;
  finish: Date;
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
  latency: { p50: number; p99: number; average: number; max: number };
}

export type Autocannon = (
  opts: {
    url: string;
    connections: number;
    /** Seconds. */
    duration: number;
    /** Seconds a request may take. */
    timeout: number;
    /** Requests per second over all connections (each connection paced at a whole number). */
    overallRate?: number;
    requests: AutocannonRequest[];
  },
  cb: (error: Error | null, result: AutocannonResult) => void,
) => { stop(): void };

export const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
