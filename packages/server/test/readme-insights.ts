/**
 * The README's insight examples, read from README.md itself (so a test breaks when the README
 * changes), and the rule for "this answer is not zero", per insight kind.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const README = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../README.md');
export const INSIGHT_KINDS = ['trends', 'funnels', 'retention', 'paths', 'sessions', 'stickiness', 'lifecycle'];

// biome-ignore lint/suspicious/noExplicitAny: answers are JSON of seven shapes, read loosely by assertions
export type Answer = Record<string, any>;

/** The insight examples of a README: its table rows (`kind` | `{…}`) and its curl commands (`-d '{…}'`). */
export function readmeInsightExamples(markdown: string): { kind: string; body: unknown }[] {
  const examples: { kind: string; body: unknown }[] = [];
  for (const [, kind, json] of markdown.matchAll(/^\| `(\w+)`\s*\| `(\{.*?\})`/gm)) {
    if (INSIGHT_KINDS.includes(kind)) examples.push({ kind, body: JSON.parse(json) });
  }
  for (const [, kind, json] of markdown.matchAll(/\/api\/insights\/(\w+)\b[^\n]*\n\s*-d '([^']*)'/g)) {
    examples.push({ kind, body: JSON.parse(json) });
  }
  return examples;
}

/** Whether an insight's answer holds a non-zero result (a count, a time, a path), per kind. */
export function nonZero(kind: string, a: Answer): boolean {
  const positive = (values: unknown[]) => values.some((v) => typeof v === 'number' && v > 0);
  switch (kind) {
    case 'trends':
    case 'stickiness':
      return a.series.some((s: Answer) => positive(s.data));
    case 'funnels':
      return a.steps.length > 0 && a.steps.every((s: Answer) => s.count > 0);
    case 'retention':
      return a.cohorts.some((c: Answer) => positive(c.values.slice(1)));
    case 'paths':
      return a.links.some((l: Answer) => l.value > 0);
    case 'sessions':
      return a.sessions.count > 0 && (a.sessions.timeSpent ?? a.sessions.time_spent) > 0;
    case 'lifecycle':
      return Object.values(a.series).some((values) => positive(values as unknown[]));
    default:
      throw new Error(`no rule for ${kind}`);
  }
}
