/** A tiny Prometheus registry: counters, gauges and histograms, rendered as text exposition format. */

export interface Counter {
  inc(by?: number, label?: string): void;
}

export interface Histogram {
  /** Counts `count` observations of `seconds` (default one). */
  observe(seconds: number, count?: number): void;
}

const DEFAULT_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type Metric =
  | { kind: 'counter'; name: string; help: string; label?: string; values: Map<string, number> }
  | { kind: 'gauge'; name: string; help: string; read: () => number }
  | { kind: 'histogram'; name: string; help: string; buckets: number[]; counts: number[]; sum: number; count: number };

export class MetricsRegistry {
  private readonly metrics: Metric[] = [];

  /** A counter; with `label`, each `inc(by, value)` counts under `{label="value"}`. */
  counter(name: string, help: string, label?: string): Counter {
    const metric: Metric = { kind: 'counter', name, help, label, values: new Map() };
    this.metrics.push(metric);
    return {
      inc: (by = 1, labelValue = '') => metric.values.set(labelValue, (metric.values.get(labelValue) ?? 0) + by),
    };
  }

  /** A gauge read when the metrics are rendered. */
  gauge(name: string, help: string, read: () => number): void {
    this.metrics.push({ kind: 'gauge', name, help, read });
  }

  histogram(name: string, help: string, buckets = DEFAULT_BUCKETS): Histogram {
    const metric = { kind: 'histogram' as const, name, help, buckets, counts: buckets.map(() => 0), sum: 0, count: 0 };
    this.metrics.push(metric);
    return {
      observe: (seconds, count = 1) => {
        metric.sum += seconds * count;
        metric.count += count;
        for (let i = 0; i < buckets.length; i++) if (seconds <= buckets[i]) metric.counts[i] += count;
      },
    };
  }

  render(): string {
    const lines: string[] = [];
    const memory = process.memoryUsage();
    for (const [name, help, value] of [
      ['process_resident_memory_bytes', 'Resident set size (includes the embedded database)', memory.rss],
      ['nodejs_heap_used_bytes', 'V8 heap in use', memory.heapUsed],
      ['nodejs_external_memory_bytes', 'Memory of buffers and native objects held by JS', memory.external],
    ] as const) {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${value}`);
    }
    for (const m of this.metrics) {
      lines.push(`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} ${m.kind}`);
      if (m.kind === 'counter') {
        if (m.values.size === 0 && !m.label) lines.push(`${m.name} 0`);
        for (const [value, n] of m.values) {
          lines.push(m.label ? `${m.name}{${m.label}="${value.replace(/["\\\n]/g, '_')}"} ${n}` : `${m.name} ${n}`);
        }
      } else if (m.kind === 'gauge') {
        lines.push(`${m.name} ${m.read()}`);
      } else {
        for (let i = 0; i < m.buckets.length; i++) lines.push(`${m.name}_bucket{le="${m.buckets[i]}"} ${m.counts[i]}`);
        lines.push(`${m.name}_bucket{le="+Inf"} ${m.count}`, `${m.name}_sum ${m.sum}`, `${m.name}_count ${m.count}`);
      }
    }
    return `${lines.join('\n')}\n`;
  }
}
