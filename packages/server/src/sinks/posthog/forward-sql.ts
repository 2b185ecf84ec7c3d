/**
 * The forwarder's statements (DuckDB SQL through the Store port; every value bound). Its state lives in the store:
 * `forward_state` holds the cursor over `events.arrival_seq` (migration 8), `forward_dead_letters` the events
 * PostHog refused, keyed by (sink, mid) so that recording one twice (a crash before the cursor moved) is harmless.
 */

export const SINK = 'posthog';

/** `channel IN ($c0, …) AND eid IN ($e0, …)` for the configured filters, with their parameters. */
export function filterSql(filter: { channels: string[]; eids: string[] }): {
  sql: string;
  params: Record<string, unknown>;
} {
  const params: Record<string, unknown> = {};
  const parts: string[] = [];
  for (const [column, values, prefix] of [
    ['channel', filter.channels, 'c'],
    ['eid', filter.eids, 'e'],
  ] as const) {
    if (values.length === 0) continue;
    const names = values.map((value, i) => {
      params[`${prefix}${i}`] = value;
      return `$${prefix}${i}`;
    });
    parts.push(`${column} IN (${names.join(', ')})`);
  }
  return { sql: parts.length ? ` AND ${parts.join(' AND ')}` : '', params };
}

/**
 * One event as the JSON text of `[arrival_seq, ets, did, posthog, raw]`: `posthog` is `[mid, eid, actor_id, sid]`
 * for an event that came in PostHog's format, else null — a Sunbird event's mid, eid, actor.id and context.sid
 * columns are its raw values (load-segment-sql.ts reads them from raw as they are), while `did` (the X-Device-ID
 * header fills a missing one) and `ets` (rounded) may differ from raw and always come from their columns. Each
 * to_json costs about as much as the rest of the row, hence only where a value may differ. One concat() rather than
 * a chain of ||, which copied the growing row (raw included) at each step: about 1 µs of the store's CPU less per
 * event (median of 12 A/B rounds of the range query, under load: 6.0 → 5.1 µs). Every part is non-null (concat()
 * would read a NULL as '', where || made the whole row NULL).
 */
const WIRE_ROW = `concat('[', arrival_seq, ',', ets, ',', coalesce(to_json(did), 'null'), ',',
  CASE WHEN ingest_format = 'posthog' THEN json_array(mid, eid, actor_id, sid) ELSE 'null' END, ',', raw, ']')`;

export const FORWARD_SQL = {
  cursor: 'SELECT arrival_seq FROM forward_state WHERE sink = $sink',
  /**
   * The largest arrival_seq stored. Loads are serialised and number their events contiguously in one transaction,
   * so every event up to it is visible: the forwarder reads ranges below it and never skips a later commit.
   */
  last: 'SELECT coalesce(max(arrival_seq), 0) FROM events',
  /**
   * The events of the range (after, upTo] (a range scan: min/max pruning, no sort of the table), as ONE text: WIRE_ROW
   * arrays joined by commas (raw is stored JSON text, so the window is one JSON.parse away; NULL when the window
   * holds none). One value for the whole window instead of nine per event: reading values one by one out of the
   * driver cost more than the parse. In no promised order: the reader puts them in arrival order
   * (wire-rows.ts), which costs less there than string_agg's ORDER BY did here (about 1 µs of the store's CPU per
   * event).
   */
  range: (filter: string) =>
    `SELECT string_agg(${WIRE_ROW}, ',') FROM events
     WHERE arrival_seq > $after AND arrival_seq <= $upTo${filter}`,
  /**
   * The cursor moved: answers the rows changed (1, or 0 before the first commit, when `commitFirst` makes the row).
   * An UPDATE, because the upsert cost DuckDB 2–3 ms more CPU per commit (once per batch: 1–3 µs per event).
   */
  commit: 'UPDATE forward_state SET arrival_seq = $seq, updated_at = $now WHERE sink = $sink',
  commitFirst: `INSERT INTO forward_state VALUES ($sink, $seq, $now)
     ON CONFLICT (sink) DO UPDATE SET arrival_seq = excluded.arrival_seq, updated_at = excluded.updated_at`,
  deadLetter: `INSERT INTO forward_dead_letters VALUES ($sink, $mid, $seq, $status, $answer, $now, 1)
     ON CONFLICT (sink, mid) DO UPDATE SET status = excluded.status, answer = excluded.answer,
       failed_at = excluded.failed_at, attempts = forward_dead_letters.attempts + 1`,
  /** Events not forwarded yet, and the receive time of the oldest (epoch ms). */
  lag: (filter: string) => `SELECT count(*), min(syncts) FROM events WHERE arrival_seq > $after${filter}`,
  deadLetterCount: 'SELECT count(*) FROM forward_dead_letters WHERE sink = $sink',
  /** Dead letters with their stored events, oldest first. */
  deadLetters: `SELECT string_agg(${WIRE_ROW}, ',' ORDER BY arrival_seq) FROM (
       SELECT e.* FROM forward_dead_letters d JOIN events e ON e.mid = d.mid
       WHERE d.sink = $sink ORDER BY d.arrival_seq LIMIT $limit)`,
  forget: 'DELETE FROM forward_dead_letters WHERE sink = $sink AND mid = $mid',
};
