/**
 * roundHalfUp against Scala's `BigDecimal(d).setScale(2, HALF_UP).toDouble` (Sunbird's roundDouble), worked out by
 * hand on each value's shortest decimal text: ties round away from zero, on both signs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { roundHalfUp, roundHalfUpExact } from './round.js';

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

test('roundHalfUp gives what the digit-by-digit reading gives, for any double and the sums of gaps it rounds', () => {
  const same = (value: number, places: number) => {
    const fast = roundHalfUp(value, places);
    const exact = roundHalfUpExact(value, places);
    assert.ok(Object.is(fast, exact), `roundHalfUp(${value}, ${places}) = ${fast}, the text's reading ${exact}`);
  };
  const places = fc.integer({ min: 0, max: 6 });
  fc.assert(fc.property(fc.double(), places, same), { numRuns: 20_000 });
  // What the summarizer rounds: ms gaps / 1000 and their sums, many of them ties or next to one.
  const gaps = fc.array(fc.integer({ min: -1e7, max: 1e9 }), { minLength: 1, maxLength: 20 });
  fc.assert(
    fc.property(gaps, places, (ms, p) =>
      same(
        ms.reduce((sum, gap) => sum + gap / 1000, 0),
        p,
      ),
    ),
    { numRuns: 20_000 },
  );
  // Ties and their neighbours at every scale: k + 0.5 units of the last place, a few ulps either side.
  const nearTie = fc
    .tuple(fc.integer({ min: -1e12, max: 1e12 }), places, fc.integer({ min: -4, max: 4 }))
    .map(([k, p, ulps]) => {
      let value = (k + 0.5) / 10 ** p;
      for (let i = 0; i < Math.abs(ulps); i++) value = nextAfter(value, ulps > 0);
      return [value, p] as const;
    });
  fc.assert(
    fc.property(nearTie, ([value, p]) => same(value, p)),
    { numRuns: 20_000 },
  );
});

/** The double next to `value`, up or down. */
function nextAfter(value: number, up: boolean): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  const bits = view.getBigInt64(0);
  if (value === 0) return up ? Number.MIN_VALUE : -Number.MIN_VALUE;
  view.setBigInt64(0, bits + (value > 0 === up ? 1n : -1n));
  return view.getFloat64(0);
}
