/** Loading, empty and error panels, in words. */
import type { ReactNode } from 'react';
import { ApiError } from './api';

/** Loads demo traffic through the running collector (docs/simulator.md), so no restart is needed. */
export const demoCommand = () => `npx telemetry simulate --users 200 --url ${location.origin}`;

export function Loading({ what }: { what: string }) {
  return (
    <p className="state" role="status">
      Loading {what}…
    </p>
  );
}

/**
 * An error answer in words: what could not be done (`failed`: "load this", "save this"…), the server's code and
 * reason, and with `retry` a button asking again (a panel that failed once, the server restarting, stays failed
 * otherwise).
 */
export function ErrorPanel(props: { error: unknown; failed?: string; retry?: () => void; retrying?: boolean }) {
  const { error, failed = 'load this', retry } = props;
  const e = error as Error;
  const code = error instanceof ApiError ? `${error.code}: ` : '';
  return (
    <div className="state error" role="alert">
      <strong>Could not {failed}.</strong> {code}
      {e?.message ?? String(error)}
      {retry && (
        <>
          {' '}
          <button type="button" onClick={retry} disabled={props.retrying}>
            {props.retrying ? 'Retrying…' : 'Retry'}
          </button>
        </>
      )}
    </div>
  );
}

export function Empty({ children }: { children?: ReactNode }) {
  return (
    <div className="state empty">
      <p>{children ?? 'No events in this range yet.'}</p>
      <p>
        To load demo data (e-Samwad-like traffic ending now), run this in the repository while the server runs:{' '}
        <code data-testid="demo-command">{demoCommand()}</code>
      </p>
    </div>
  );
}

/** Shows loading / error (with Retry: the query's `refetch`) / the content of a TanStack Query result. */
export function Show<T>(props: {
  q: { isPending: boolean; error: unknown; data?: T; isFetching?: boolean; refetch?: () => unknown };
  what: string;
  children: (data: T) => ReactNode;
}) {
  const { refetch } = props.q;
  if (props.q.error)
    return <ErrorPanel error={props.q.error} retry={refetch && (() => void refetch())} retrying={props.q.isFetching} />;
  if (props.q.isPending || props.q.data === undefined) return <Loading what={props.what} />;
  return <>{props.children(props.q.data)}</>;
}
