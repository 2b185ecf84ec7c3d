/** The SQL console: one read-only query; the result as a table and, when it has a number column, a bar chart. */
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../api';
import { Chart } from '../chart';
import { download, TableView } from '../csv';
import { ErrorPanel, Loading } from '../states';

interface SqlAnswer {
  columns: string[];
  rows: (string | number | null)[][];
  truncated: boolean;
}

export default function Sql() {
  const [text, setText] = useState('SELECT eid, count(*) AS events FROM events GROUP BY eid ORDER BY events DESC');
  const run = useMutation({ mutationFn: (query: string) => api<SqlAnswer>('/api/sql', { body: { query } }) });
  const a = run.data;
  const numeric = a ? a.columns.findIndex((_, i) => i > 0 && a.rows.some((r) => typeof r[i] === 'number')) : -1;
  return (
    <div>
      <h1>SQL</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          run.mutate(text);
        }}
      >
        <label htmlFor="sql">Read-only SQL over the tables in the README</label>
        <textarea id="sql" rows={6} value={text} onChange={(e) => setText(e.target.value)} spellCheck={false} />
        <button type="submit">Run</button>
      </form>
      {run.isPending && <Loading what="the result" />}
      {run.error && <ErrorPanel error={run.error} failed="run this query" />}
      {a && (
        <div data-testid="sql-result">
          {numeric > 0 && (
            <Chart
              label="Result as a bar chart"
              height={220}
              option={{
                tooltip: {},
                grid: { left: 60, right: 10, top: 10, bottom: 60 },
                xAxis: { type: 'category', data: a.rows.slice(0, 50).map((r) => String(r[0])) },
                yAxis: { type: 'value' },
                series: [{ type: 'bar', name: a.columns[numeric], data: a.rows.slice(0, 50).map((r) => r[numeric]) }],
              }}
            />
          )}
          <p>
            {a.rows.length} rows{a.truncated ? ' (truncated)' : ''}.{' '}
            <button type="button" onClick={() => download('result.csv', a)}>
              Download CSV
            </button>
          </p>
          <TableView table={a} caption="Query result" />
        </div>
      )}
    </div>
  );
}
