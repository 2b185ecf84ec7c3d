/** Opt-in auto-capture (its own entry point, so the core stays small): page views, clicks, interrupts, errors. */
import type { TelemetryClient } from './client.js';

export interface AutocaptureOptions {
  /** IMPRESSION per page (load and history-API route changes), sent when the page is left, duration = time on it. */
  pageviews?: boolean;
  /** INTERACT on clicks of `[data-telemetry-id]` elements; 'all' adds every button and link. */
  clicks?: boolean | 'all';
  /** INTERRUPT when the page goes to the background and comes back. */
  interrupts?: boolean;
  /** ERROR from window.onerror and unhandled promise rejections. */
  errors?: boolean;
  /** The page id of a location. Default: its path (plus a "#/..." hash route). */
  pageId?: (loc: Location) => string;
}

/** Uncaught errors after this many per page are ignored: an error loop must not flood the queue. */
const MAX_ERRORS = 25;

const text = (el: Element) => (el.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 40);

/** Runs `fn`, swallowing what it throws: a capture must never throw into the page it observes. */
function quiet<A extends unknown[]>(fn: (...a: A) => void): (...a: A) => void {
  return (...a) => {
    try {
      fn(...a);
    } catch {}
  };
}

/** Starts the chosen captures on `client`; returns a function that stops them all. Never throws. */
export function autocapture(client: TelemetryClient, options?: AutocaptureOptions): () => void {
  const off: Array<() => void> = [];
  const stop = () => {
    for (const fn of off) quiet(fn)();
  };
  try {
    start(client, { ...options }, off);
  } catch {
    stop();
  }
  return stop;
}

function start(client: TelemetryClient, o: AutocaptureOptions, off: Array<() => void>): void {
  const w = globalThis as unknown as Window & typeof globalThis;
  if (!w.document || !w.addEventListener) return;
  const doc = w.document;
  const on = (target: EventTarget, type: string, fn: (e: Event) => void, capture = false) => {
    const safe = quiet(fn);
    target.addEventListener(type, safe, capture);
    off.push(() => target.removeEventListener(type, safe, capture));
  };
  const pageId = () => {
    const l = w.location;
    const path = l.pathname + (l.hash.startsWith('#/') ? l.hash : '');
    try {
      return o.pageId ? String(o.pageId(l)) : path;
    } catch {
      return path;
    }
  };
  let page = { id: pageId(), uri: w.location.href, at: Date.now(), open: true };

  // Page views: one IMPRESSION per visit, built when the visit ends, stamped with the time it began.
  const leave = () => {
    if (!page.open) return;
    page.open = false;
    const duration = Math.round((Date.now() - page.at) / 10) / 100;
    const uri = page.uri.replace(/^[a-z]+:\/\/[^/]+/i, '');
    client.track('IMPRESSION', { type: 'view', pageid: page.id, uri, duration }, { ets: page.at });
  };
  const enter = () => {
    page = { id: pageId(), uri: w.location.href, at: Date.now(), open: true };
  };
  const route = () => {
    if (w.location.href === page.uri) return;
    leave();
    enter();
  };
  if (o.pageviews) {
    const h = w.history;
    for (const name of ['pushState', 'replaceState'] as const) {
      const orig = h[name];
      h[name] = function (this: History, ...args: Parameters<History['pushState']>) {
        const r = orig.apply(this, args);
        try {
          route();
        } catch {}
        return r;
      };
      off.push(() => {
        h[name] = orig;
      });
    }
    on(w, 'popstate', route);
    on(w, 'hashchange', route);
  }

  // Clicks: the closest marked element wins; unmarked buttons and links only with clicks: 'all'.
  if (o.clicks) {
    on(
      doc,
      'click',
      (e) => {
        const t = e.target as Element | null;
        if (!t?.closest) return;
        const el =
          t.closest('[data-telemetry-id]') ||
          (o.clicks === 'all' ? t.closest('a,button,[role=button],input[type=submit]') : null);
        if (!el) return;
        const id = el.getAttribute('data-telemetry-id') || el.id || text(el) || el.tagName.toLowerCase();
        const edata: Record<string, unknown> = {
          type: el.getAttribute('data-telemetry-type') || 'CLICK',
          id,
          pageid: pageId(),
        };
        const sub = el.getAttribute('data-telemetry-subtype');
        if (sub) edata.subtype = sub;
        client.track('INTERACT', edata as never);
      },
      true,
    );
  }

  // Going to the background ends the page visit and records an INTERRUPT; coming back starts a new visit.
  let hidden = false;
  client.onHide(() => {
    if (hidden) return;
    hidden = true;
    if (o.interrupts) client.track('INTERRUPT', { type: 'background', pageid: pageId() });
    if (o.pageviews) leave();
  });
  on(doc, 'visibilitychange', () => {
    if (doc.visibilityState !== 'visible' || !hidden) return;
    hidden = false;
    if (o.interrupts) client.track('INTERRUPT', { type: 'resume', pageid: pageId() });
    if (o.pageviews) enter();
  });

  if (o.errors) {
    let count = 0;
    const report = (err: unknown, fallback: string) => {
      if (++count > MAX_ERRORS) return;
      const e = err as { name?: string; message?: string; stack?: string } | undefined;
      const message = e?.message || String(err ?? fallback);
      client.track('ERROR', {
        err: e?.name || 'Error',
        errtype: 'SYSTEM',
        stacktrace: (e?.stack || message).slice(0, 4000),
        pageid: pageId(),
      });
    };
    on(w, 'error', (e) => {
      const ev = e as ErrorEvent;
      report(ev.error ?? { message: ev.message + ' at ' + ev.filename + ':' + ev.lineno }, 'error');
    });
    on(w, 'unhandledrejection', (e) => report((e as PromiseRejectionEvent).reason, 'unhandled rejection'));
  }
}

/** React Native: INTERRUPT on AppState background/active, and a flush when the app leaves the foreground. */
export function trackAppState(
  client: TelemetryClient,
  appState: { addEventListener(type: 'change', fn: (state: string) => void): { remove(): void } },
): () => void {
  let last = 'active';
  try {
    const sub = appState.addEventListener(
      'change',
      quiet((state: string) => {
        if (state === 'background' && last !== 'background') {
          client.track('INTERRUPT', { type: 'background' });
          client.flush();
        } else if (state === 'active' && last === 'background') {
          client.track('INTERRUPT', { type: 'resume' });
        }
        last = state;
      }),
    );
    return quiet(() => sub.remove());
  } catch {
    return () => {};
  }
}
