import type { ActorKeyRule } from '../store.js';
import { queueStreamsSql } from './summary-drain-sql.js';

/**
 * The actor key (events.actor_key, derived): who an insight counts, from `actor.id` as sent. The rule is a store
 * setting (`store_settings`, name 'actor_key'), chosen by TELEMETRY_ACTOR_KEY:
 * - `federated` (default), Sunbird's pipeline rule: an id starting with `f:` (lower-case f, case-sensitive) keeps only
 *   the text after its LAST colon, so `f:org1:u1`, `f:org2:u1` and `u1` are one actor `u1`; `f:a:b:c` → `c`, `f:u1` →
 *   `u1`, `F:org1:u1` unchanged (Sunbird data pipeline, pipeline-preprocessor `TelemetryValidator.scala` dataCorrection:
 *   `if (id.startsWith("f:")) id.substring(id.lastIndexOf(":") + 1)`; ../shared/reference/sunbird-telemetry-v3.md §5.3);
 * - `as-sent`: the key is `actor.id` unchanged.
 * `actor_id` always keeps what was sent (the raw event is never rewritten).
 */

/** Sunbird's federated-id rule over the SQL text expression `column` (NULL stays NULL). */
export const federatedKeySql = (column: string) =>
  `CASE WHEN starts_with(${column}, 'f:') THEN string_split(${column}, ':')[-1] ELSE ${column} END`;

/** `rule` applied to the SQL text expression `column`. */
export const actorKeyRuleSql = (rule: ActorKeyRule, column: string) =>
  rule === 'as-sent' ? column : federatedKeySql(column);

/** The store's rule applied to `column`: reads the setting once per statement (an uncorrelated subquery). */
export const actorKeySql = (column: string) =>
  `CASE WHEN (SELECT value FROM store_settings WHERE name = 'actor_key') = 'as-sent' THEN ${column}
    ELSE ${federatedKeySql(column)} END`;

/** What follows a change of the rule, once every events.actor_key is recomputed (duckdb-store.ts setActorKey). */
export function actorKeyChangeSql(): string[] {
  return [
    // Sessions name their actor by the key too (analytics/sessions): each device stream is summarized again.
    queueStreamsSql("eid NOT IN ('LOG', 'AUDIT', 'SEARCH') AND ingest_format = 'sunbird'"),
  ];
}
