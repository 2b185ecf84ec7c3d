/** TanStack Query hooks over the API, keyed by what they ask, so equal questions share one answer. */

import { useQuery } from '@tanstack/react-query';
import type { InsightKind } from '@telemetry/query';
import { api, insight } from './api';

export function useInsight<T>(kind: InsightKind, query: unknown, enabled = true) {
  return useQuery({ queryKey: ['insight', kind, query], queryFn: () => insight<T>(kind, query), enabled });
}

export function useApi<T>(path: string, enabled = true) {
  return useQuery({ queryKey: ['api', path], queryFn: () => api<T>(path), enabled });
}

/** Top values of a property (for pickers); `enabled` false: not asked yet. */
export function useValues(property: string, eid?: string, enabled = true) {
  const q = new URLSearchParams({ property, days: '3660', limit: '100', ...(eid ? { eid } : {}) });
  return useApi<{ values: { value: string; count: number }[] }>(`/api/properties?${q}`, enabled);
}

export const fmt = (n: number | null | undefined, digits = 0) =>
  n === null || n === undefined || Number.isNaN(n)
    ? '–'
    : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });

/** A percentage (`68.3333` → `68.3%`): the one formatter of rates, on Home and in tables (csv.tsx). */
export const percent = (p: number | null | undefined) =>
  p === null || p === undefined || Number.isNaN(p) ? '–' : `${fmt(p, 1)}%`;
