/** The dashboard: navigation, access (admin token), and the pages, each loaded when first opened. */
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { api, getToken, setToken } from './api';
import { Home } from './pages/Home';
import { href, useRoute } from './router';
import { Loading } from './states';
import './style.css';

const Insights = lazy(() => import('./pages/Insights'));
const Live = lazy(() => import('./pages/Live'));
const DataQuality = lazy(() => import('./pages/DataQuality'));
const Sql = lazy(() => import('./pages/Sql'));
const Setup = lazy(() => import('./pages/Setup'));
const Dashboards = lazy(() => import('./pages/Dashboards'));
const Actors = lazy(() => import('./pages/Actors'));
const Cohorts = lazy(() => import('./pages/Cohorts'));

const PAGES: [string, string][] = [
  ['home', 'Home'],
  ['insights', 'Insights'],
  ['dashboards', 'Dashboards'],
  ['cohorts', 'Cohorts'],
  ['live', 'Live events'],
  ['quality', 'Data quality'],
  ['sql', 'SQL'],
  ['setup', 'Setup'],
];

const client = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 30_000,
      // Once, and only when no answer came (the network, a server restarting): an error answer would come back the same.
      retry: (n, e) => n < 1 && (e as { status?: number }).status === undefined,
      refetchOnWindowFocus: false,
    },
  },
});

/** Asks the server whether reading needs a token, and whether the one held is good. */
type Access = 'checking' | 'open' | 'granted' | 'needed' | 'refused';

function useAccess(): [Access, (token: string) => void, () => void] {
  const [access, setAccess] = useState<Access>('checking');
  const check = useCallback(() => {
    api('/api/dashboards')
      .then(() => setAccess(getToken() ? 'granted' : 'open'))
      .catch((e) => setAccess(e.status === 401 ? 'needed' : e.status === 403 ? 'refused' : 'open'));
  }, []);
  useEffect(() => {
    check();
    const lost = () => setAccess(getToken() ? 'refused' : 'needed');
    window.addEventListener('telemetry:auth', lost);
    return () => window.removeEventListener('telemetry:auth', lost);
  }, [check]);
  const login = (token: string) => {
    setToken(token);
    client.clear();
    check();
  };
  const logout = () => {
    setToken(null);
    client.clear();
    setAccess('checking');
    check();
  };
  return [access, login, logout];
}

function Login({ refused, onLogin }: { refused: boolean; onLogin: (t: string) => void }) {
  const [token, setValue] = useState('');
  return (
    <main className="login">
      <h1>Telemetry</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          onLogin(token);
        }}
      >
        <label htmlFor="token">Admin token</label>
        <input
          id="token"
          type="password"
          autoComplete="current-password"
          value={token}
          onChange={(e) => setValue(e.target.value)}
        />
        <button type="submit">Log in</button>
        {refused && (
          <p className="state error" role="alert">
            That token was refused. Ask whoever runs the server for TELEMETRY_ADMIN_TOKEN.
          </p>
        )}
        <p className="hint">The token stays in this tab only (session storage) and is sent as a header.</p>
      </form>
    </main>
  );
}

function App() {
  const route = useRoute();
  const [access, login, logout] = useAccess();
  const [menu, setMenu] = useState(false);
  // With a token held, the page asks for its data while access is being checked (one round trip, not two); a
  // refusal of either request shows the login. Without one, nothing is asked before the check says the server is
  // open: on a server that needs a token the page's requests would only be refused.
  if (access === 'needed' || access === 'refused') return <Login refused={access === 'refused'} onLogin={login} />;
  if (access === 'checking' && !getToken()) return <Loading what="the dashboard" />;
  const page = (() => {
    switch (route.page) {
      case 'insights':
        return <Insights params={route.params} />;
      case 'live':
        return <Live />;
      case 'quality':
        return <DataQuality />;
      case 'sql':
        return <Sql />;
      case 'setup':
        return <Setup />;
      case 'dashboards':
        return <Dashboards params={route.params} />;
      case 'actors':
        return <Actors params={route.params} />;
      case 'cohorts':
        return <Cohorts params={route.params} />;
      default:
        return <Home params={route.params} />;
    }
  })();
  return (
    <>
      <header>
        <a className="brand" href={href('home')}>
          Telemetry
        </a>
        <button type="button" className="menu" aria-expanded={menu} onClick={() => setMenu(!menu)}>
          Menu
        </button>
        <nav aria-label="Pages" className={menu ? 'open' : ''}>
          {PAGES.map(([id, title]) => (
            <a
              key={id}
              href={href(id)}
              aria-current={route.page === id ? 'page' : undefined}
              onClick={() => setMenu(false)}
            >
              {title}
            </a>
          ))}
          {access === 'granted' && (
            <button type="button" className="link" onClick={logout}>
              Log out
            </button>
          )}
        </nav>
      </header>
      <main>
        <Suspense fallback={<Loading what="the page" />}>{page}</Suspense>
      </main>
    </>
  );
}

createRoot(document.getElementById('root') as HTMLElement).render(
  <QueryClientProvider client={client}>
    <App />
  </QueryClientProvider>,
);
