/**
 * A table on screen and as CSV (RFC 4180 quoting), downloaded as a file. A column named `… %` holds percentages:
 * shown as `68.3%` (insight.ts percent, as Home shows rates), written to the CSV as the numbers they are.
 */
import { percent } from './insight';

export type Table = { columns: string[]; rows: (string | number | null)[][] };

export function toCsv(t: Table): string {
  const cell = (v: unknown) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return [t.columns, ...t.rows].map((r) => r.map(cell).join(',')).join('\r\n');
}

export function download(name: string, t: Table): void {
  const url = URL.createObjectURL(new Blob([toCsv(t)], { type: 'text/csv' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** `link(row, column)`: where a cell leads (its actors), or undefined for a plain cell. */
export function TableView({
  table,
  caption,
  link,
}: {
  table: Table;
  caption: string;
  link?: (row: number, column: number) => string | undefined;
}) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be focusable to scroll by keyboard (axe scrollable-region-focusable)
    <section className="table-wrap" aria-label={caption} tabIndex={0}>
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            {table.columns.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {table.rows.map((r, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their place
            <tr key={i}>
              {r.map((v, j) => {
                const text =
                  v === null
                    ? '–'
                    : typeof v === 'number'
                      ? table.columns[j]?.endsWith('%')
                        ? percent(v)
                        : v.toLocaleString('en-US', { maximumFractionDigits: 4 })
                      : v;
                const to = v === null ? undefined : link?.(i, j);
                return (
                  // biome-ignore lint/suspicious/noArrayIndexKey: cells have no identity but their place
                  <td key={j}>{to ? <a href={to}>{text}</a> : text}</td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
