/**
 * The store's own statements (loads, checkpoints, the summarizer's reads and writes) run on DuckDB's worker thread
 * without a second thread spinning beside it. DuckDB's client loop (`PendingQueryResult::ExecuteInternal`, which
 * `run` enters on a libuv thread) asks for a task again and again, without waiting, while the worker holds the
 * statement's only task (DuckDB issue #22178; the busy loop is kept on purpose upstream, PR #12512). At 50,000
 * events/s that spin was about a quarter of the server's CPU (docs/benchmarks.md, "DuckDB's client spin", issue 16).
 *
 * Here a statement is started (its tasks scheduled, and taken by the worker), its state is polled from the
 * JavaScript thread without running a task (`duckdb_pending_execute_check_state`), and its result is fetched on a
 * libuv thread once the worker is done. A statement that is blocked (waiting on I/O), or still unfinished after
 * HELP_AFTER_MS (the worker may be running a user's long query), is handed to DuckDB's own loop, which runs its tasks
 * on the libuv thread as `run` does. A failed statement rejects with DuckDB's message, as `run` does.
 */

import type { DuckDBConnection, DuckDBMaterializedResult, DuckDBPendingResult } from '@duckdb/node-api';
import bindings from '@duckdb/node-bindings';

/** setImmediate polls before the wait falls back to 1 ms timers: most of a load's statements take microseconds. */
const IMMEDIATE_POLLS = 4;

/**
 * After this long (ms) the caller stops waiting for the worker and runs the statement's tasks itself: a load must not
 * wait behind a user's query that holds the worker (up to TELEMETRY_SQL_TIMEOUT_MS). A live load's statements take
 * less (at 50,000 events/s a whole load, about ten statements, takes 0.5 s on average); a larger one (a backlog, an
 * import) spins for what is left of it past this.
 */
export const HELP_AFTER_MS = 1000;

/**
 * Makes `connection.run` (and so `runAndRead`, `runAndReadAll`) wait for DuckDB's workers instead of running the
 * statement's tasks on the calling thread. `threads` is the instance's DuckDB thread count: with one there is no
 * worker (every task must run on the caller), so the connection is left as it is. Returns the same connection.
 * `stream` and appenders are unchanged. Errors are those of `run`.
 */
export function runOnWorkers(connection: DuckDBConnection, threads: number): DuckDBConnection {
  if (threads < 2) return connection;
  // An own property shadows the prototype's run; runAndRead and runAndReadAll call this.run.
  connection.run = async (sql, values, types) => {
    const pending = await connection.start(sql, values, types);
    await whileWorkersRun(pending);
    // Started with start(), not startStream(): the result is materialized.
    return (await pending.getResult()) as DuckDBMaterializedResult;
  };
  return connection;
}

/**
 * Resolves once `pending` has no task left to run or wait for, or after HELP_AFTER_MS; runs none of its tasks. Throws
 * DuckDB's error (the message run would reject with) when the statement failed: the pending result cannot be fetched
 * then.
 */
async function whileWorkersRun(pending: DuckDBPendingResult): Promise<void> {
  const helpAt = performance.now() + HELP_AFTER_MS;
  // node-api exposes no state check without running a task; its pending result holds the C API handle.
  const handle = (pending as unknown as { pending_result: bindings.PendingResult }).pending_result;
  for (let polls = 0; ; polls++) {
    const state = bindings.pending_execute_check_state(handle);
    if (state === bindings.PendingState.ERROR) {
      // DuckDB 1.5's C API also reports a finished execution (EXECUTION_FINISHED) as an error, without a message.
      const message = bindings.pending_error(handle);
      if (message) throw new Error(message);
      return;
    }
    if (state !== bindings.PendingState.RESULT_NOT_READY && state !== bindings.PendingState.NO_TASKS_AVAILABLE) return;
    if (performance.now() >= helpAt) return;
    await new Promise((resolve) => (polls < IMMEDIATE_POLLS ? setImmediate(resolve) : setTimeout(resolve, 1)));
  }
}
