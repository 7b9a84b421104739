/**
 * The apigw console: a read-only view of the live gateway and a Debug page,
 * served by the runtime at /console/ on the admin listener. Preact keeps
 * the bundle small (the whole console is a few tens of kilobytes); pages
 * follow the gateway's revision and refetch when a commit lands.
 */
import { render } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { AdminError, call, clearToken, onUnauthorized, saveToken, token } from './api';
import type { ConsoleOverview } from '../../runtime/src/admin/console-model';
import { RevisionContext, useData, usePolledRevision } from './hooks';
import { Api } from './pages/api';
import { Apis } from './pages/apis';
import { Apps } from './pages/apps';
import { Backends } from './pages/backends';
import { Debug } from './pages/debug';
import { Groups } from './pages/groups';
import { Overview } from './pages/overview';
import { Plugins } from './pages/plugins';
import { Traffic } from './pages/traffic';
import { useRoute, type Route } from './route';

const NAV: readonly [string, string][] = [
  ['', 'Overview'],
  ['groups', 'Groups'],
  ['apis', 'APIs'],
  ['backends', 'Backends'],
  ['apps', 'Apps'],
  ['plugins', 'Plugins'],
  ['traffic', 'Traffic'],
  ['debug', 'Debug'],
];

function Login(props: { onLogin: () => void }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  const submit = async (e: Event) => {
    e.preventDefault();
    const candidate = value.trim();
    if (candidate === '') return setError('Enter the admin token.');
    setBusy(true);
    try {
      await call('/v1/console/overview', { token: candidate });
      saveToken(candidate);
      props.onLogin();
    } catch (err) {
      setError(err instanceof AdminError && err.status === 401 ? 'That token is not the admin token.' : (err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="login">
      <form onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">apigw console</h1>
        <p class="small muted">Sign in with the gateway's admin token (APIGW_ADMIN_TOKEN or the data directory's admin.token). It is kept for this browser tab only.</p>
        <label for="token">Admin token</label>
        <input id="token" ref={input} type="password" name="token" autocomplete="current-password" value={value} onInput={(e) => setValue(e.currentTarget.value)} aria-invalid={error !== ''} aria-describedby={error ? 'login-error' : undefined} />
        {error && (
          <p id="login-error" class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}

function Content(props: { route: Route }) {
  const [first, second, third] = props.route.path;
  switch (first) {
    case undefined:
      return <Overview />;
    case 'groups':
      return <Groups />;
    case 'apis':
      return second !== undefined && third !== undefined ? <Api group={second} name={third} key={`${second}/${third}`} /> : <Apis route={props.route} />;
    case 'backends':
      return <Backends route={props.route} />;
    case 'apps':
      return <Apps />;
    case 'plugins':
      return <Plugins route={props.route} />;
    case 'traffic':
      return <Traffic />;
    case 'debug':
      return <Debug route={props.route} />;
    default:
      return (
        <section class="page">
          <h1>Not found</h1>
          <p>
            No console page at <code>{location.hash}</code>. <a href="#/">Overview</a>
          </p>
        </section>
      );
  }
}

/** The page links; Plugins appears once the gateway has the plugin kind. */
function Nav(props: { page: string }) {
  const overview = useData<ConsoleOverview>('/v1/console/overview');
  const hasPlugins = overview.data !== undefined && 'plugins' in overview.data.counts;
  return (
    <nav aria-label="console">
      <ul>
        {NAV.filter(([path]) => path !== 'plugins' || hasPlugins || props.page === 'plugins').map(([path, label]) => (
          <li key={path}>
            <a href={`#/${path}`} aria-current={props.page === path ? 'page' : undefined}>
              {label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function Shell(props: { onLogout: () => void }) {
  const route = useRoute();
  const { revision, ready, lastError } = usePolledRevision(true);
  const main = useRef<HTMLElement>(null);
  const page = route.path[0] ?? '';
  // Moving between pages puts keyboard focus on the new page's heading, as
  // the page is put in place (a layout effect: an effect would run a frame
  // later and could take the focus from a field the user is already typing
  // in); focus already inside the new page stays where it is.
  const previous = useRef(page);
  useLayoutEffect(() => {
    if (previous.current !== page && !main.current?.contains(document.activeElement)) main.current?.querySelector<HTMLElement>('h1')?.focus();
    previous.current = page;
  });
  return (
    <RevisionContext.Provider value={revision}>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), main.current?.querySelector<HTMLElement>('h1')?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="#/">
          apigw
        </a>
        <Nav page={page} />
        <span class={`live ${lastError ? 'bad' : ready ? 'ok' : 'warn'}`} title={lastError || 'following the gateway'} aria-live="polite">
          {lastError ? 'offline' : `rev ${revision}`}
        </span>
        <button type="button" class="link" onClick={props.onLogout}>
          Sign out
        </button>
      </header>
      <main id="main" ref={main}>
        <Content route={route} />
      </main>
    </RevisionContext.Provider>
  );
}

function App() {
  const [signedIn, setSignedIn] = useState(token() !== null);
  useEffect(
    () =>
      onUnauthorized(() => {
        clearToken();
        setSignedIn(false);
      }),
    [],
  );
  if (!signedIn) return <Login onLogin={() => setSignedIn(true)} />;
  return (
    <Shell
      onLogout={() => {
        clearToken();
        setSignedIn(false);
      }}
    />
  );
}

render(<App />, document.getElementById('app')!);
