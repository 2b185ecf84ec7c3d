/**
 * Trends formulas: arithmetic over series by letter, as PostHog writes them (`A / B * 100`,
 * `(A + B) / 2`). Grammar: numbers, letters A–J (series 1–10), `+ - * /`, unary minus, parentheses;
 * spaces anywhere. Parsed once into a tree; evaluated per bucket in TypeScript, never in SQL.
 */

export type Formula =
  | { kind: 'number'; value: number }
  | { kind: 'series'; index: number }
  | { kind: 'negate'; of: Formula }
  | { kind: 'binary'; op: '+' | '-' | '*' | '/'; left: Formula; right: Formula };

/**
 * Parses `text` for `seriesCount` series. Returns the tree, or a message saying what is wrong
 * (`unknown series C: there are 2`, `unexpected ")" at 7`).
 */
export function parseFormula(text: string, seriesCount: number): Formula | string {
  const tokens = [...text.matchAll(/\s*(\d+(?:\.\d+)?|[A-Za-z]|[-+*/()]|\S)/g)].map((m) => ({
    text: m[1],
    at: (m.index ?? 0) + m[0].length - m[1].length + 1,
  }));
  let i = 0;
  const fail = (message: string): never => {
    throw new Error(message);
  };
  const peek = () => tokens[i]?.text;
  const primary = (): Formula => {
    const t = tokens[i++];
    if (!t) return fail('ends too early');
    if (/^\d/.test(t.text)) return { kind: 'number', value: Number(t.text) };
    if (/^[A-Za-z]$/.test(t.text)) {
      const index = t.text.toUpperCase().charCodeAt(0) - 65;
      if (index >= seriesCount) fail(`unknown series ${t.text.toUpperCase()}: there are ${seriesCount}`);
      return { kind: 'series', index };
    }
    if (t.text === '-') return { kind: 'negate', of: primary() };
    if (t.text === '(') {
      const inner = sum();
      if (tokens[i++]?.text !== ')') fail(`expected ")" at ${tokens[i - 1]?.at ?? text.length + 1}`);
      return inner;
    }
    return fail(`unexpected "${t.text}" at ${t.at}`);
  };
  const product = (): Formula => {
    let left = primary();
    while (peek() === '*' || peek() === '/') {
      const op = tokens[i++].text as '*' | '/';
      left = { kind: 'binary', op, left, right: primary() };
    }
    return left;
  };
  const sum = (): Formula => {
    let left = product();
    while (peek() === '+' || peek() === '-') {
      const op = tokens[i++].text as '+' | '-';
      left = { kind: 'binary', op, left, right: product() };
    }
    return left;
  };
  try {
    const tree = sum();
    if (i < tokens.length) fail(`unexpected "${tokens[i].text}" at ${tokens[i].at}`);
    return tree;
  } catch (error) {
    return (error as Error).message;
  }
}

/** The formula's value for one bucket; null when a value is missing or a divisor is 0. */
export function evaluateFormula(f: Formula, values: (number | null)[]): number | null {
  switch (f.kind) {
    case 'number':
      return f.value;
    case 'series':
      return values[f.index] ?? null;
    case 'negate': {
      const v = evaluateFormula(f.of, values);
      return v === null ? null : -v;
    }
    case 'binary': {
      const a = evaluateFormula(f.left, values);
      const b = evaluateFormula(f.right, values);
      if (a === null || b === null) return null;
      if (f.op === '/') return b === 0 ? null : a / b;
      return f.op === '+' ? a + b : f.op === '-' ? a - b : a * b;
    }
  }
}
