/**
 * Hash routing: `#/<page>?<params>`. The whole view (an insight's query included) lives in the
 * URL, so a copied link reproduces it, and the server needs no fallback route.
 */
import { useEffect, useState } from 'react';

export interface Route {
  page: string;
  params: URLSearchParams;
}

export function parseHash(hash = location.hash): Route {
  const [path, query = ''] = hash.replace(/^#\/?/, '').split('?');
  return { page: path || 'home', params: new URLSearchParams(query) };
}

export function href(page: string, params?: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params ?? {})) if (v !== undefined) q.set(k, v);
  const s = q.toString();
  return `#/${page}${s ? `?${s}` : ''}`;
}

/** The link to an insight in the builder. */
export const insightHref = (kind: string, query: unknown) => href('insights', { kind, q: JSON.stringify(query) });

export function navigate(to: string, replace = false): void {
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(parseHash);
  useEffect(() => {
    const on = () => setRoute(parseHash());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}
