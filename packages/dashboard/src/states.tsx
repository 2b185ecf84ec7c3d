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

/** An error answer in words: what could not be done (`failed`: "load this", "save this"…), the server's code and reason. */
export function ErrorPanel({ error, failed = 'load this' }: { error: unknown; failed?: string }) {
  const e = error as Error;
  const code = error instanceof ApiError ? `${error.code}: ` : '';
  return (
    <div className="state error" role="alert">
      <strong>Could not {failed}.</strong> {code}
      {e?.message ?? String(error)}
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

/** Shows loading / error / the content of a TanStack Query result. */
export function Show<T>(props: {
  q: { isPending: boolean; error: unknown; data?: T };
  what: string;
  children: (data: T) => ReactNode;
}) {
  if (props.q.error) return <ErrorPanel error={props.q.error} />;
  if (props.q.isPending || props.q.data === undefined) return <Loading what={props.what} />;
  return <>{props.children(props.q.data)}</>;
}
