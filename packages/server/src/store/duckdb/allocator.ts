/**
 * How DuckDB's allocator (jemalloc, linked into DuckDB's library) gives memory back to the system. Imported for its
 * side effect, first, by the `telemetry` command (cli.ts): jemalloc reads `DUCKDB_JE_MALLOC_CONF` once, when DuckDB's
 * library loads, so a process that imported @duckdb/node-api before this module keeps DuckDB's own settings.
 *
 * DuckDB returns memory left unused for 1 s (`dirty_decay_ms:1000,muzzy_decay_ms:1000`). Under a steady load the
 * store frees and allocates again, every second, the memory of its loads, checkpoints and summary drains: the pages
 * it gives back are faulted in again moments later, 12% of the server's CPU at 30,000 events/s (`perf`: jemalloc's
 * `madvise` and the page faults after it). Kept 10 s unused, and then given back at once rather than lazily (`muzzy`
 * pages, which RSS counts until the system reclaims them): a fifth less CPU per event at 50,000 events/s with the same
 * peak RSS there, about 90 MB more in bench:ingest (65–77k events/s). 30 s saved a little more at 10,000 events/s but
 * kept 240 MB more at 50,000; 5 s saved nothing reliably (docs/benchmarks.md, "Where the rest goes at 50,000
 * events/s", session 27).
 *
 * Options a user sets in `DUCKDB_JE_MALLOC_CONF` come after these, and jemalloc takes the last of each.
 */
const ALLOCATOR_OPTIONS = 'dirty_decay_ms:10000,muzzy_decay_ms:0';

const own = process.env.DUCKDB_JE_MALLOC_CONF;
process.env.DUCKDB_JE_MALLOC_CONF = own ? `${ALLOCATOR_OPTIONS},${own}` : ALLOCATOR_OPTIONS;
