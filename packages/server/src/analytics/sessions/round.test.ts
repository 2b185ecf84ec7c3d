/**
 * roundHalfUp against Scala's `BigDecimal(d).setScale(2, HALF_UP).toDouble` (Sunbird's roundDouble), worked out by
 * hand on each value's shortest decimal text: ties round away from zero, on both signs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { roundHalfUp } from './round.js';

test('roundHalfUp: HALF_UP on the shortest decimal text, away from zero on both signs', () => {
  const cases: [number, number][] = [
    [1.005, 1.01], // Math.round(1.005 * 100) / 100 gives 1
    [-1.005, -1.01],
    [2.344, 2.34],
    [-2.344, -2.34],
    [-0.125, -0.13],
    [0.125, 0.13],
    [7, 7],
    [-7.5, -7.5],
    [0.005, 0.01],
    [5e-3, 0.01], // same number as 0.005
    [1.2345e-3, 0], // "0.0012345"
    [-4.9e-3, -0],
    [123456789.995, 123456790],
  ];
  for (const [value, expected] of cases) assert.equal(roundHalfUp(value), expected, `${value}`);
  assert.equal(roundHalfUp(-1.2545e-5, 6), -1.3e-5); // "-1.2545e-5": -0.000012|545
  assert.equal(roundHalfUp(1.23e21), 1.23e21); // an integer in exponent form: nothing to round
  assert.ok(Number.isNaN(roundHalfUp(Number.NaN)));
  assert.equal(roundHalfUp(Number.POSITIVE_INFINITY), Number.POSITIVE_INFINITY);
});
