// Loaded into every test process StrykerJS starts (`-r`). A mutant that turns a loop infinite blocks the main
// thread for good; Stryker then times the mutant out and ends its own worker, but the test process it spawned
// would spin on, orphaned. A worker thread still runs while the main thread spins, so it ends the process.
const { Worker } = require('node:worker_threads');

const seconds = Number(process.env.MUTATION_WATCHDOG_S ?? 120);
new Worker(`setTimeout(() => process.kill(${process.pid}, 'SIGKILL'), ${seconds * 1000});`, { eval: true }).unref();
