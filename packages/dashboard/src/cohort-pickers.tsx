/**
 * The builder's cohort pickers (GET /api/cohorts), for every insight kind: "In cohort" adds a cohort filter
 * (`{cohort, operator}`) to the query's global filters, "Cohort breakdown" sets `breakdownCohorts` (one trends line,
 * or one answer of any other kind, per cohort). Property filters and cohort filters share `filters`: the
 * property-filter rows see only theirs.
 */
import type { Cohort, CohortFilter, Filter, PropertyFilter } from '@telemetry/query';
import { useId } from 'react';
import { useApi } from './insight';

type Q = Record<string, unknown>;

export const useCohorts = () => useApi<{ cohorts: Cohort[] }>('/api/cohorts');

/** The query's filters split into property filters and cohort filters. */
export function splitFilters(filters: unknown): { properties: PropertyFilter[]; cohorts: CohortFilter[] } {
  const list = (filters ?? []) as Filter[];
  return {
    properties: list.filter((f): f is PropertyFilter => !('cohort' in f)),
    cohorts: list.filter((f): f is CohortFilter => 'cohort' in f),
  };
}

/** Both kinds of filter back in one list (undefined when empty, so the key leaves the query). */
export const joinFilters = (properties: PropertyFilter[] | undefined, cohorts: CohortFilter[]) => {
  const all: Filter[] = [...(properties ?? []), ...cohorts];
  return all.length ? all : undefined;
};

export function CohortPickers({ query, set }: { query: Q; set: (patch: Q) => void }) {
  const cohorts = useCohorts().data?.cohorts ?? [];
  const inId = useId();
  const byId = useId();
  const { properties, cohorts: filters } = splitFilters(query.filters);
  const current = filters[0];
  const chosen = (query.breakdownCohorts ?? []) as string[];
  if (!cohorts.length && !current && !chosen.length) return null;
  const setFilter = (cohort: string, operator: 'in' | 'not_in') =>
    set({ filters: joinFilters(properties, cohort ? [{ cohort, operator }] : []) });
  return (
    <div className="filters" data-testid="cohort-pickers">
      <span className="field">
        <label htmlFor={inId}>In cohort</label>{' '}
        <select
          id={inId}
          value={current ? `${current.operator ?? 'in'}:${current.cohort}` : ''}
          onChange={(e) => {
            // `<operator>:<cohort id>`, or '' for none.
            const v = e.target.value;
            const at = v.indexOf(':');
            setFilter(v.slice(at + 1), v.slice(0, at) === 'not_in' ? 'not_in' : 'in');
          }}
        >
          <option value="">any actor</option>
          {cohorts.flatMap((c) => [
            <option key={`in:${c.id}`} value={`in:${c.id}`}>
              in {c.name}
            </option>,
            <option key={`not_in:${c.id}`} value={`not_in:${c.id}`}>
              not in {c.name}
            </option>,
          ])}
        </select>
      </span>
      <span className="field">
        <label htmlFor={byId}>Cohort breakdown</label>{' '}
        <select
          id={byId}
          multiple
          size={Math.min(4, Math.max(2, cohorts.length))}
          value={chosen}
          onChange={(e) => {
            const ids = [...e.target.selectedOptions].map((o) => o.value);
            set({ breakdownCohorts: ids.length ? ids : undefined, ...(ids.length ? { breakdown: undefined } : {}) });
          }}
        >
          {cohorts.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
      </span>
    </div>
  );
}
