/**
 * The structured insight builder: a form for every insight kind, driven by the fields of its
 * @telemetry/query schema. Events, property paths and values are picked from what the store holds
 * (GET /api/properties); every change rewrites the query, which lives in the URL. Text fields
 * commit on Enter or when they lose focus, so typing does not run a query per keystroke.
 */
import {
  AGGREGATIONS,
  ALL_EVENTS,
  DEFAULT_FROM,
  FILTER_OPERATORS,
  type FilterOperator,
  FUNNEL_ATTRIBUTIONS,
  FUNNEL_ORDERS,
  INTERVALS,
  type InsightKind,
  PERIODS,
  PROPERTY_MATH,
  type PropertyFilter,
  RETENTION_TYPES,
  TAGS_PROPERTY,
  TRENDS_MATH,
} from '@telemetry/query';
import { type ReactNode, useEffect, useId, useState } from 'react';
import { CohortPickers, joinFilters, splitFilters } from './cohort-pickers';
import { useApi, useValues } from './insight';

type Q = Record<string, unknown>;
type Selector = { eid: string; label?: string; filters?: PropertyFilter[] } & Q;

interface Discovery {
  events: { eid: string }[];
  properties: { path: string; type: 'string' | 'number' | 'list' }[];
}
const useDiscovery = () => useApi<Discovery>('/api/properties?days=3660');

/** Drops undefined keys (so an emptied field leaves the query, not `"x": undefined`). */
const clean = (q: Q): Q => Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined && v !== ''));

const unique = (values: string[]) => values.filter((v, i, all) => v !== '' && all.indexOf(v) === i);

/** A comma-separated field as a list without blanks or repeats; none left (`,`): undefined, all (an empty list is a 400). */
function commaList(text: string): string[] | undefined {
  const items = unique(text.split(',').map((x) => x.trim()));
  return items.length > 0 ? items : undefined;
}

function Select(props: {
  label: string;
  value: string;
  options: readonly string[];
  onChange: (v: string) => void;
  none?: string;
  /** Text shown for an option instead of its value. */
  names?: Record<string, string>;
}) {
  const id = useId();
  return (
    <span className="field">
      <label htmlFor={id}>{props.label}</label>{' '}
      <select id={id} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        {props.none !== undefined && <option value="">{props.none}</option>}
        {unique([props.value, ...props.options]).map((o) => (
          <option key={o} value={o}>
            {props.names?.[o] ?? o}
          </option>
        ))}
      </select>
    </span>
  );
}

/** A text (or number) field committed on Enter or blur; `suggest` fills a datalist. */
function Text(props: {
  label: string;
  value: string;
  onCommit: (v: string) => void;
  placeholder?: string;
  size?: number;
  type?: 'text' | 'number';
  suggest?: string[];
}) {
  const [text, setText] = useState(props.value);
  const id = useId();
  const list = `${id}-values`;
  useEffect(() => setText(props.value), [props.value]);
  const commit = () => text !== props.value && props.onCommit(text.trim());
  return (
    <span className="field">
      <label htmlFor={id}>{props.label}</label>{' '}
      <input
        id={id}
        type={props.type ?? 'text'}
        value={text}
        size={props.size ?? 10}
        placeholder={props.placeholder}
        list={props.suggest ? list : undefined}
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => e.key === 'Enter' && commit()}
      />
      {props.suggest && (
        <datalist id={list}>
          {props.suggest.map((v) => (
            <option key={v} value={v} />
          ))}
        </datalist>
      )}
    </span>
  );
}

const NO_VALUE: FilterOperator[] = ['is_set', 'is_not_set'];
const NUMERIC: FilterOperator[] = ['gt', 'gte', 'lt', 'lte'];
const LIST: FilterOperator[] = ['in', 'not_in'];

/** A filter's value as typed: a number for gt/gte/lt/lte, a comma list for in/not_in, else text. */
function typedValue(operator: FilterOperator, text: string): PropertyFilter['value'] {
  if (NO_VALUE.includes(operator)) return undefined;
  if (NUMERIC.includes(operator)) return Number(text);
  if (LIST.includes(operator)) return unique(text.split(',').map((v) => v.trim()));
  return text;
}
const textOf = (v: PropertyFilter['value']) => (Array.isArray(v) ? v.join(', ') : v === undefined ? '' : String(v));

function FilterRow(props: {
  name: string;
  filter: PropertyFilter;
  eid?: string;
  properties: string[];
  onChange: (f: PropertyFilter | undefined) => void;
}) {
  const { filter: f, name } = props;
  const values = useValues(f.property, props.eid);
  const set = (next: Partial<PropertyFilter>) => {
    const merged = { ...f, ...next };
    props.onChange(clean({ ...merged, value: typedValue(merged.operator, textOf(merged.value)) }) as PropertyFilter);
  };
  return (
    <div className="toolbar filter" data-testid="filter">
      <Select
        label={`${name} property`}
        value={f.property}
        options={props.properties}
        onChange={(property) => set({ property })}
      />
      <Select
        label={`${name} operator`}
        value={f.operator}
        options={FILTER_OPERATORS}
        onChange={(v) => set({ operator: v as FilterOperator })}
      />
      {!NO_VALUE.includes(f.operator) && (
        <Text
          label={`${name} value`}
          value={textOf(f.value)}
          suggest={values.data?.values.map((v) => v.value)}
          onCommit={(v) => props.onChange({ ...f, value: typedValue(f.operator, v) })}
        />
      )}
      <button type="button" className="link" onClick={() => props.onChange(undefined)} aria-label={`Remove ${name}`}>
        remove
      </button>
    </div>
  );
}

/** A list of property filters with "+ filter"; `eid` narrows the value suggestions to one event. */
function Filters(props: {
  name: string;
  filters: PropertyFilter[] | undefined;
  eid?: string;
  discovery?: Discovery;
  onChange: (f: PropertyFilter[] | undefined) => void;
}) {
  const list = props.filters ?? [];
  const properties = props.discovery?.properties.map((p) => p.path) ?? [];
  const put = (i: number, f: PropertyFilter | undefined) => {
    const next = f ? list.map((x, j) => (j === i ? f : x)) : list.filter((_, j) => j !== i);
    props.onChange(next.length ? next : undefined);
  };
  return (
    <div className="filters">
      {list.map((f, i) => (
        <FilterRow
          // biome-ignore lint/suspicious/noArrayIndexKey: a filter has no identity but its place
          key={i}
          name={`${props.name} filter ${i + 1}`}
          filter={f}
          eid={props.eid}
          properties={properties}
          onChange={(x) => put(i, x)}
        />
      ))}
      <button
        type="button"
        className="link"
        onClick={() => props.onChange([...list, { property: properties[0] ?? 'edata.pageid', operator: 'is_set' }])}
      >
        + {props.name} filter
      </button>
    </div>
  );
}

/** The event picker's names for what is not an eid: `$all` matches every event (PostHog's "All events"). */
const EVENT_NAMES: Record<string, string> = { [ALL_EVENTS]: 'All events' };

/** One event with its filters: a series, a funnel step, a retention event. */
function SelectorFields(props: {
  name: string;
  selector: Selector;
  discovery?: Discovery;
  onChange: (s: Selector) => void;
  children?: ReactNode;
  onRemove?: () => void;
}) {
  const s = props.selector;
  return (
    <fieldset className="selector">
      <legend>{props.name}</legend>
      <div className="toolbar">
        <Select
          label={/event$/i.test(props.name) ? props.name : `${props.name} event`}
          value={s.eid}
          options={[ALL_EVENTS, ...(props.discovery?.events.map((e) => e.eid) ?? [])]}
          names={EVENT_NAMES}
          onChange={(eid) => props.onChange({ ...s, eid })}
        />
        <Text
          label={`${props.name} label`}
          value={s.label ?? ''}
          placeholder={EVENT_NAMES[s.eid] ?? s.eid}
          onCommit={(label) => props.onChange(clean({ ...s, label }) as Selector)}
        />
        {props.children}
        {props.onRemove && (
          <button type="button" className="link" onClick={props.onRemove} aria-label={`Remove ${props.name}`}>
            remove
          </button>
        )}
      </div>
      <Filters
        name={props.name}
        filters={s.filters}
        eid={s.eid}
        discovery={props.discovery}
        onChange={(filters) => props.onChange(clean({ ...s, filters }) as Selector)}
      />
    </fieldset>
  );
}

/** A list of selectors (series, steps) between `min` and `max` long. */
function SelectorList(props: {
  name: string;
  items: Selector[];
  min: number;
  max: number;
  discovery?: Discovery;
  onChange: (items: Selector[]) => void;
  extra?: (s: Selector, set: (s: Selector) => void, i: number) => ReactNode;
}) {
  const { items } = props;
  const put = (i: number, s: Selector) => props.onChange(items.map((x, j) => (j === i ? s : x)));
  return (
    <>
      {items.map((s, i) => (
        <SelectorFields
          // biome-ignore lint/suspicious/noArrayIndexKey: a step is its place
          key={i}
          name={`${props.name} ${i + 1}`}
          selector={s}
          discovery={props.discovery}
          onChange={(x) => put(i, x)}
          onRemove={items.length > props.min ? () => props.onChange(items.filter((_, j) => j !== i)) : undefined}
        >
          {props.extra?.(s, (x) => put(i, x), i)}
        </SelectorFields>
      ))}
      {items.length < props.max && (
        <button
          type="button"
          onClick={() => props.onChange([...items, { eid: items[items.length - 1]?.eid ?? 'START' }])}
        >
          + Add {props.name.toLowerCase()}
        </button>
      )}
    </>
  );
}

const ZONES: string[] = (() => {
  try {
    return (Intl as unknown as { supportedValuesOf(k: string): string[] }).supportedValuesOf('timeZone');
  } catch {
    return ['UTC'];
  }
})();

/**
 * From, to (relative `-7d` or a date) and the time zone of dates and buckets. An empty From shows what the server
 * then uses: DEFAULT_FROM, or for sessions every summary from the first.
 */
function DateRangeFields({ kind, range, onChange }: { kind: InsightKind; range: Q; onChange: (r: Q) => void }) {
  const set = (k: string, v: string) => onChange(clean({ ...range, [k]: v }));
  return (
    <div className="toolbar">
      <Text
        label="From"
        value={String(range.from ?? '')}
        placeholder={kind === 'sessions' ? 'all time' : DEFAULT_FROM}
        suggest={['-24h', '-7d', '-14d', '-30d', '-90d', '-8w', '-6m', '-1y']}
        onCommit={(v) => set('from', v)}
      />
      <Text label="To" value={String(range.to ?? '')} placeholder="now" onCommit={(v) => set('to', v)} />
      <Select
        label="Time zone"
        value={String(range.timezone ?? 'UTC')}
        // Browsers list some zones by their old ICU names (Asia/Calcutta): the modern one is offered first.
        options={['UTC', 'Asia/Kolkata', ...ZONES]}
        onChange={(v) => set('timezone', v === 'UTC' ? '' : v)}
      />
    </div>
  );
}

const int = (v: string) => (v === '' ? undefined : Math.trunc(Number(v)));

/** The kind's own fields (events, steps, periods, breakdown…) over its query. */
function KindFields({ kind, q, set, d }: { kind: InsightKind; q: Q; set: (patch: Q) => void; d?: Discovery }) {
  const properties = d?.properties.map((p) => p.path) ?? [];
  // Sum, average and the quantiles need a number: the server refuses a text property for them.
  const numeric = d?.properties.filter((p) => p.type === 'number').map((p) => p.path) ?? [];
  // A list (tags) breaks down only trends: in a funnel or a retention table an event belongs to one group.
  const breakdowns = kind === 'trends' ? properties : properties.filter((p) => p !== TAGS_PROPERTY);
  const breakdown = (
    <Select
      label="Breakdown"
      value={String((q.breakdown as { property?: string } | undefined)?.property ?? '')}
      options={breakdowns}
      none="none"
      onChange={(v) =>
        set({ breakdown: v ? { property: v, limit: 10 } : undefined, ...(v ? { breakdownCohorts: undefined } : {}) })
      }
    />
  );
  const aggregate = (options: readonly string[]) => (
    <Select
      label="Count by"
      value={String(q.aggregateBy ?? 'actor')}
      options={options}
      onChange={(v) => set({ aggregateBy: v === 'actor' ? undefined : v })}
    />
  );
  const interval = (options: readonly string[]) => (
    <Select
      label="Interval"
      value={String(q.interval ?? 'day')}
      options={options}
      onChange={(v) => set({ interval: v })}
    />
  );
  const compare = (
    <label>
      <input
        type="checkbox"
        checked={q.compare === true}
        onChange={(e) => set({ compare: e.target.checked || undefined })}
      />{' '}
      Compare to previous period
    </label>
  );
  switch (kind) {
    case 'trends':
      return (
        <>
          <SelectorList
            name="Series"
            items={q.series as Selector[]}
            min={1}
            max={10}
            discovery={d}
            onChange={(series) => set({ series })}
            extra={(s, put) => (
              <>
                <Select
                  label="Math"
                  value={String(s.math ?? 'total')}
                  options={TRENDS_MATH}
                  onChange={(math) => put(clean({ ...s, math, property: undefined }) as Selector)}
                />
                {PROPERTY_MATH.includes((s.math ?? 'total') as never) && (
                  <Select
                    label="Of property"
                    value={String(s.property ?? '')}
                    options={numeric}
                    none="pick a numeric property"
                    onChange={(property) => put(clean({ ...s, property }) as Selector)}
                  />
                )}
              </>
            )}
          />
          <div className="toolbar">
            {interval(INTERVALS)}
            {breakdown}
            {compare}
          </div>
          <div className="toolbar">
            <Text
              label="Formula"
              value={String(q.formula ?? '')}
              placeholder="A / B * 100"
              size={16}
              onCommit={(v) => set({ formula: v || undefined })}
            />
            <label>
              <input
                type="checkbox"
                checked={q.aggregate === 'range'}
                onChange={(e) => set({ aggregate: e.target.checked ? 'range' : undefined })}
              />{' '}
              Value over the whole range
            </label>
          </div>
        </>
      );
    case 'funnels':
      return (
        <>
          <SelectorList
            name="Step"
            items={q.steps as Selector[]}
            min={2}
            max={10}
            discovery={d}
            onChange={(steps) => set({ steps })}
          />
          <div className="toolbar">
            <Text
              label="Conversion window (hours)"
              type="number"
              value={q.windowSeconds === undefined ? '' : String(Number(q.windowSeconds) / 3600)}
              placeholder="336"
              onCommit={(v) => set({ windowSeconds: v === '' ? undefined : Math.max(1, Math.round(Number(v) * 3600)) })}
            />
            <Select
              label="Step order"
              value={String(q.stepOrder ?? 'ordered')}
              options={FUNNEL_ORDERS}
              onChange={(v) => set({ stepOrder: v === 'ordered' ? undefined : v })}
            />
            {aggregate(AGGREGATIONS)}
            {breakdown}
            {compare}
            {q.breakdown !== undefined && (
              <Select
                label="Attributed to"
                value={String(q.breakdownAttribution ?? 'first_touch')}
                options={FUNNEL_ATTRIBUTIONS}
                onChange={(v) =>
                  set({
                    breakdownAttribution: v === 'first_touch' ? undefined : v,
                    breakdownAttributionStep: v === 'step' ? 1 : undefined,
                  })
                }
              />
            )}
            {q.breakdownAttribution === 'step' && (
              <Text
                label="Attribution step"
                type="number"
                value={String(q.breakdownAttributionStep ?? 1)}
                onCommit={(v) => set({ breakdownAttributionStep: int(v) })}
              />
            )}
          </div>
          <ConversionTimeFields q={q} set={set} />
          <SelectorList
            name="Exclusion"
            items={(q.exclusions as Selector[] | undefined) ?? []}
            min={0}
            max={5}
            discovery={d}
            onChange={(exclusions) =>
              set({
                exclusions: exclusions.length
                  ? exclusions.map((x) => ({ fromStep: 1, toStep: (q.steps as unknown[]).length, ...x }))
                  : undefined,
              })
            }
            extra={(x, put) => (
              <>
                <Text
                  label="Between step"
                  type="number"
                  value={String(x.fromStep ?? 1)}
                  onCommit={(v) => put({ ...x, fromStep: int(v) ?? 1 })}
                />
                <Text
                  label="and step"
                  type="number"
                  value={String(x.toStep ?? (q.steps as unknown[]).length)}
                  onCommit={(v) => put({ ...x, toStep: int(v) ?? 2 })}
                />
              </>
            )}
          />
        </>
      );
    case 'retention':
      return (
        <>
          <SelectorFields
            name="Start event"
            selector={q.startEvent as Selector}
            discovery={d}
            onChange={(startEvent) => set({ startEvent })}
          />
          <SelectorFields
            name="Return event"
            selector={q.returnEvent as Selector}
            discovery={d}
            onChange={(returnEvent) => set({ returnEvent })}
          />
          <div className="toolbar">
            <Select
              label="Retention type"
              value={String(q.retentionType ?? 'first_time')}
              options={RETENTION_TYPES}
              onChange={(v) => set({ retentionType: v === 'first_time' ? undefined : v })}
            />
            {breakdown}
            <Select
              label="Period"
              value={String(q.period ?? 'day')}
              options={PERIODS}
              onChange={(period) => set({ period })}
            />
            <Text
              label="Periods"
              type="number"
              value={String(q.periods ?? '')}
              placeholder="8"
              onCommit={(v) => set({ periods: int(v) })}
            />
            {aggregate(['actor', 'device'])}
            {compare}
          </div>
        </>
      );
    case 'paths': {
      return <PathFields q={q} set={set} />;
    }
    case 'sessions':
      return (
        <div className="toolbar">
          <Text
            label="Channels"
            value={((q.channel as string[] | undefined) ?? []).join(', ')}
            placeholder="all"
            onCommit={(v) => set({ channel: commaList(v) })}
          />
          <Text
            label="Apps (pdata.id)"
            value={((q.pdataId as string[] | undefined) ?? []).join(', ')}
            placeholder="all"
            onCommit={(v) => set({ pdataId: commaList(v) })}
          />
          <Text
            label="Rows per breakdown"
            type="number"
            value={String(q.limit ?? '')}
            placeholder="10"
            onCommit={(v) => set({ limit: int(v) })}
          />
        </div>
      );
    case 'stickiness':
      return (
        <>
          <SelectorList
            name="Series"
            items={q.series as Selector[]}
            min={1}
            max={10}
            discovery={d}
            onChange={(series) => set({ series })}
          />
          <div className="toolbar">
            {interval(PERIODS)}
            {aggregate(['actor', 'device'])}
            {compare}
          </div>
        </>
      );
    case 'lifecycle':
      return (
        <>
          <SelectorFields
            name="Event"
            selector={q.event as Selector}
            discovery={d}
            onChange={(event) => set({ event })}
          />
          <div className="toolbar">
            {interval(INTERVALS)}
            {compare}
          </div>
        </>
      );
  }
}

/** A funnel's time-to-convert distribution (`conversionTime`): from which step to which, in how many bins. */
function ConversionTimeFields({ q, set }: { q: Q; set: (patch: Q) => void }) {
  const ct = q.conversionTime as { fromStep?: number; toStep?: number; bins?: number } | undefined;
  const steps = (q.steps as unknown[]).length;
  const put = (patch: Q) => set({ conversionTime: clean({ ...ct, ...patch }) });
  return (
    <div className="toolbar">
      <label>
        <input
          type="checkbox"
          checked={ct !== undefined}
          onChange={(e) => set({ conversionTime: e.target.checked ? {} : undefined })}
        />{' '}
        Time to convert
      </label>
      {ct && (
        <>
          <Text
            label="From step"
            type="number"
            value={String(ct.fromStep ?? '')}
            placeholder="1"
            onCommit={(v) => put({ fromStep: int(v) })}
          />
          <Text
            label="To step"
            type="number"
            value={String(ct.toStep ?? '')}
            placeholder={String(steps)}
            onCommit={(v) => put({ toStep: int(v) })}
          />
          <Text
            label="Bins"
            type="number"
            value={String(ct.bins ?? '')}
            placeholder="10"
            onCommit={(v) => put({ bins: int(v) })}
          />
        </>
      )}
    </div>
  );
}

function PathFields({ q, set }: { q: Q; set: (patch: Q) => void }) {
  const pages = useValues('edata.pageid', 'IMPRESSION').data?.values.map((v) => v.value);
  return (
    <div className="toolbar">
      <Text
        label="Start page"
        value={String(q.startPage ?? '')}
        placeholder="any"
        suggest={pages}
        onCommit={(v) => set({ startPage: v || undefined })}
      />
      <Text
        label="End page"
        value={String(q.endPage ?? '')}
        placeholder="any"
        suggest={pages}
        onCommit={(v) => set({ endPage: v || undefined })}
      />
      <Text
        label="Steps"
        type="number"
        value={String(q.maxSteps ?? '')}
        placeholder="5"
        onCommit={(v) => set({ maxSteps: int(v) })}
      />
      <Text
        label="Links kept"
        type="number"
        value={String(q.limit ?? '')}
        placeholder="50"
        onCommit={(v) => set({ limit: int(v) })}
      />
    </div>
  );
}

/** The whole form of one insight kind; `set` receives the next query. */
export function Builder({ kind, query, set }: { kind: InsightKind; query: Q; set: (q: Q) => void }) {
  const discovery = useDiscovery().data;
  const patch = (p: Q) => set(clean({ ...query, ...p }));
  return (
    <form className="builder" aria-label={`${kind} query`} onSubmit={(e) => e.preventDefault()}>
      <KindFields kind={kind} q={query} set={patch} d={discovery} />
      <DateRangeFields
        kind={kind}
        range={(query.dateRange ?? {}) as Q}
        onChange={(dateRange) => patch({ dateRange })}
      />
      {/* The sessions insight reads summaries: cohort filters only, no property filters. */}
      {kind !== 'sessions' && (
        <Filters
          name="Global"
          filters={splitFilters(query.filters).properties}
          discovery={discovery}
          onChange={(filters) => patch({ filters: joinFilters(filters, splitFilters(query.filters).cohorts) })}
        />
      )}
      <CohortPickers query={query} set={patch} />
    </form>
  );
}
