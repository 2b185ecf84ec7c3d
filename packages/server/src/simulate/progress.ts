/** A one-line progress bar on stderr, redrawn at most ten times a second; silent when disabled. */

export interface Progress {
  update(done: number): void;
  finish(message?: string): void;
}

export interface ProgressOptions {
  /** What is counted ("events"). */
  unit: string;
  /** Expected total, for the bar and percentage; unknown totals show a count and a rate only. */
  total?: number;
  /** Default: when stderr is a terminal. */
  enabled?: boolean;
  stream?: NodeJS.WriteStream;
}

const WIDTH = 30;

export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const enabled = options.enabled ?? Boolean(stream.isTTY);
  const started = performance.now();
  let lastDraw = 0;
  let last = 0;
  const draw = (done: number, end: string) => {
    const seconds = (performance.now() - started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    let bar = '';
    if (options.total) {
      const share = Math.min(1, done / options.total);
      const filled = Math.round(share * WIDTH);
      bar = `[${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${(share * 100).toFixed(0).padStart(3)}% `;
    }
    // \r redraws in place on a terminal; a piped stderr gets one line per redraw, so redraws are throttled.
    stream.write(`\r${bar}${human(done)} ${options.unit} · ${human(rate)}/s · ${seconds.toFixed(1)} s${end}`);
  };
  return {
    update(done) {
      last = done;
      if (!enabled) return;
      const now = performance.now();
      if (now - lastDraw < 100) return;
      lastDraw = now;
      draw(done, '');
    },
    finish(message) {
      if (!enabled) return;
      draw(last, message ? ` · ${message}\n` : '\n');
    },
  };
}

function human(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}
