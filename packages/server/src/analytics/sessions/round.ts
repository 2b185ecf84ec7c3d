/** Sunbird's `roundDouble`: HALF_UP on the double's shortest decimal text, so 1.005 rounds to 1.01, not 1.00. */

const NUMBER_TEXT = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/;

/**
 * Scala's BigDecimal(d) reads Double.toString(d), which for our values (ms differences / 1000 and
 * their sums) is the same shortest text JS prints; plain `Math.round(x * 100) / 100` differs (1.005 → 1).
 */
export function roundHalfUp(value: number, places = 2): number {
  const m = NUMBER_TEXT.exec(String(value));
  if (!m) return value;
  const fraction = m[3] ?? '';
  const digits = BigInt(m[2] + fraction);
  const scale = fraction.length - Number(m[4] ?? 0);
  if (scale <= places) return value;
  const divisor = 10n ** BigInt(scale - places);
  let quotient = digits / divisor;
  if ((digits % divisor) * 2n >= divisor) quotient += 1n;
  // An exact integer divided by a power of ten is correctly rounded, as BigDecimal.toDouble is.
  const out = Number(quotient) / 10 ** places;
  return m[1] === '-' ? -out : out;
}
