/**
 * How DuckDB's allocator (jemalloc, linked into DuckDB's library) gives memory back to the system. Imported for its
 * side effect, first, by the `telemetry` command (cli.ts): jemalloc reads `DUCKDB_JE_MALLOC_CONF` once, when DuckDB's
 * library loads, so a process that imported @duckdb/node-api before this module keeps DuckDB's own settings.
 *
 * DuckDB returns memory left unused for 1 s (`dirty_decay_ms:1000,muzzy_decay_ms:1000`). Under a steady load the
 * store frees and allocates again, every second, the memory of its loads, checkpoints and summary drains: the pages
 * it gives back are faulted in again moments later, 12% of the server's CPU at 50,000 events/s (`perf`: jemalloc's
 * `madvise` and the page faults after it). Unused for 30 s, and then given back at once rather than lazily (`muzzy`,
 * which RSS would count until the system reclaims it): a quarter less CPU per event at 50,000 events/s and about 100 MB
 * more at the peak (docs/benchmarks.md, "DuckDB's allocator", session 27).
 *
 * Options a user sets in `DUCKDB_JE_MALLOC_CONF` come after these, and jemalloc takes the last of each.
 */
export const ALLOCATOR_OPTIONS = 'dirty_decay_ms:30000,muzzy_decay_ms:0';

const own = process.env.DUCKDB_JE_MALLOC_CONF;
process.env.DUCKDB_JE_MALLOC_CONF = own ? `${ALLOCATOR_OPTIONS},${own}` : ALLOCATOR_OPTIONS;
