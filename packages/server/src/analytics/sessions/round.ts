/** Sunbird's `roundDouble`: HALF_UP on the double's shortest decimal text, so 1.005 rounds to 1.01, not 1.00. */

const NUMBER_TEXT = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/;

/**
 * Below this many units of the last place kept, `|value| · 10^places` in doubles is within 3e-7 of the decimal text's
 * product (each of the two roundings is off by at most 1.2e-16 of it), so a fraction further than TIE_MARGIN from
 * one half rounds as the text does.
 */
const FAST_BELOW = 1e9;
const TIE_MARGIN = 1e-6;

/**
 * Scala's BigDecimal(d) reads Double.toString(d), which for our values (ms differences / 1000 and
 * their sums) is the same shortest text JS prints; plain `Math.round(x * 100) / 100` differs (1.005 → 1).
 * Values whose scaled fraction is not near a tie take the arithmetic path (a property test holds it to
 * roundHalfUpExact): the summarizer rounds every gap between two events, and the text path was its largest cost.
 */
export function roundHalfUp(value: number, places = 2): number {
  // A gap past the idle time counts 0, the commonest value; -0 stays -0, as the text's reading keeps it.
  if (value === 0) return value;
  const scale = 10 ** places;
  const scaled = Math.abs(value) * scale;
  const floor = Math.floor(scaled);
  const fraction = scaled - floor;
  if (!(scaled < FAST_BELOW) || Math.abs(fraction - 0.5) <= TIE_MARGIN) return roundHalfUpExact(value, places);
  // An exact integer divided by a power of ten is correctly rounded, as BigDecimal.toDouble is.
  const out = (fraction > 0.5 ? floor + 1 : floor) / scale;
  return value < 0 ? -out : out;
}

/** roundHalfUp worked on the decimal text itself, digit by digit: any value, ties included. */
export function roundHalfUpExact(value: number, places = 2): number {
  const m = NUMBER_TEXT.exec(String(value));
  if (!m) return value;
  const fraction = m[3] ?? '';
  const digits = BigInt(m[2] + fraction);
  const scale = fraction.length - Number(m[4] ?? 0);
  if (scale <= places) return value;
  const divisor = 10n ** BigInt(scale - places);
  let quotient = digits / divisor;
  if ((digits % divisor) * 2n >= divisor) quotient += 1n;
  const out = Number(quotient) / 10 ** places;
  return m[1] === '-' ? -out : out;
}
