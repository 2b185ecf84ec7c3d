/**
 * Every call the dashboard makes to the server: JSON over fetch with the admin token, when one is
 * set, as `Authorization: Bearer` — kept in sessionStorage (this tab only), never in a cookie or a URL.
 */
import type { InsightKind } from '@telemetry/query';

const TOKEN_KEY = 'telemetry.adminToken';

export function getToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}
export function setToken(token: string | null): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** An error answer of the API: its status, code (`QUERY_INVALID`, `AUTH_REQUIRED`, …) and message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function authHeaders(): Record<string, string> {
  const token = getToken();
  return token ? { authorization: `Bearer ${token}` } : {};
}

export async function api<T>(
  path: string,
  init: { method?: string; body?: unknown; signal?: AbortSignal } = {},
): Promise<T> {
  const response = await fetch(path, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { ...authHeaders(), ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: init.signal,
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    throw new ApiError(response.status, 'BAD_ANSWER', text.slice(0, 200));
  }
  if (!response.ok) {
    const params = (json as { params?: { err?: string; errmsg?: string } })?.params;
    if (response.status === 401 || response.status === 403) window.dispatchEvent(new Event('telemetry:auth'));
    throw new ApiError(response.status, params?.err ?? 'ERROR', params?.errmsg ?? `HTTP ${response.status}`);
  }
  return json as T;
}

export const insight = <T>(kind: InsightKind, query: unknown) => api<T>(`/api/insights/${kind}`, { body: query });
