/** Shared by the simulator's tests: the sampling-error bound used to compare rates with parameters. */
import assert from 'node:assert/strict';

/**
 * Asserts that `successes / trials` is within `sigmas` binomial standard errors of `p`. Four
 * sigmas: a correct generator fails about once in 16 000 comparisons, a wrong rate almost always.
 */
export function assertRate(successes: number, trials: number, p: number, label: string, sigmas = 4): void {
  assert.ok(trials > 0, `${label}: no trials`);
  const observed = successes / trials;
  const bound = sigmas * Math.sqrt((p * (1 - p)) / trials);
  assert.ok(
    Math.abs(observed - p) <= bound,
    `${label}: observed ${observed.toFixed(4)} (${successes}/${trials}), expected ${p} ± ${bound.toFixed(4)}`,
  );
}
