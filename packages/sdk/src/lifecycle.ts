/** Browser lifecycle hooks of the core: flush when the page is hidden or closed, resume sending when back online. */

interface Handlers {
  /** The page may be about to die: persist and send with keepalive. */
  hide: () => void;
  /** The network is back: retry now instead of waiting out the backoff. */
  online: () => void;
}

/**
 * Installs the listeners and returns their remover. `visibilitychange` to hidden is the last event a mobile browser
 * reliably fires before killing a tab; `pagehide` covers desktop closes and bfcache. Both may fire for one close:
 * the second finds an empty queue or re-sends under the same mids, which the collector ignores.
 */
export function installLifecycle(h: Handlers): () => void {
  const w = globalThis as unknown as {
    addEventListener?: Window['addEventListener'];
    removeEventListener?: Window['removeEventListener'];
    document?: Document;
  };
  const doc = w.document;
  if (!w.addEventListener || !doc) return () => {};
  const onVisibility = () => {
    if (doc.visibilityState === 'hidden') h.hide();
  };
  const onPageHide = () => h.hide();
  const onOnline = () => h.online();
  doc.addEventListener('visibilitychange', onVisibility);
  w.addEventListener('pagehide', onPageHide);
  w.addEventListener('online', onOnline);
  return () => {
    doc.removeEventListener('visibilitychange', onVisibility);
    w.removeEventListener?.('pagehide', onPageHide);
    w.removeEventListener?.('online', onOnline);
  };
}
