// Loaded into every test process StrykerJS starts (`-r`). A mutant that turns a loop infinite blocks the main
// thread for good; Stryker then times the mutant out and ends its own worker, but the test process it spawned
// would spin on, orphaned. A worker thread still runs while the main thread spins, so it ends the process after
// MUTATION_WATCHDOG_S (default 300 s: longer than Stryker's own timeout of a slow test on a busy machine).
// Not in the initial (dry) run, whose timing Stryker measures and which no mutant is active in.
const { Worker } = require('node:worker_threads');

if (process.env.STRYKER_DRY_RUN !== 'true') {
  const seconds = Number(process.env.MUTATION_WATCHDOG_S ?? 300);
  new Worker(`setTimeout(() => process.kill(${process.pid}, 'SIGKILL'), ${seconds * 1000});`, { eval: true }).unref();
}
