/**
 * Apps and their authorizations. The AppKey is public; AppSecret and
 * AppCode appear only after an explicit reveal, which the gateway logs.
 */
import { useState } from 'preact/hooks';
import type { AppView } from '../../../runtime/src/admin/console-model';
import { call } from '../api';
import { useData } from '../hooks';
import { apiHref, href } from '../route';
import { Load, Page, StackName, fmtTime } from '../ui';

interface Credentials {
  readonly appKey: string;
  readonly appSecret: string;
  readonly appCode: string;
}

export function Apps() {
  const loaded = useData<AppView[]>('/v1/console/apps');
  return (
    <Page title="Apps">
      <Load of={loaded}>
        {(apps) => (apps.length === 0 ? <p class="muted">No apps.</p> : apps.map((a) => <AppPanel key={a.name} app={a} />))}
      </Load>
    </Page>
  );
}

function AppPanel(props: { app: AppView }) {
  const a = props.app;
  const [revealed, setRevealed] = useState<Credentials | null>(null);
  const [error, setError] = useState('');
  const reveal = () =>
    call<Credentials>(`/v1/console/apps/${encodeURIComponent(a.name)}/reveal`, { method: 'POST' }).then(
      (c) => (setRevealed(c), setError('')),
      (e: Error) => setError(e.message),
    );
  return (
    <article class="panel" aria-labelledby={`app-${a.name}`} data-app={a.name}>
      <h2 id={`app-${a.name}`}>{a.name}</h2>
      {a.description && <p>{a.description}</p>}
      <dl class="facts">
        <dt>AppKey</dt>
        <dd>
          <code>{a.appKey}</code>
        </dd>
        {a.appId !== undefined && (
          <>
            <dt>App id</dt>
            <dd>{a.appId}</dd>
          </>
        )}
        <dt>Stack</dt>
        <dd>
          <StackName stack={a.stack} />
        </dd>
        <dt>Secrets</dt>
        <dd>
          {revealed ? (
            <>
              <div>
                AppSecret <code class="secret">{revealed.appSecret}</code>
              </div>
              <div>
                AppCode <code class="secret">{revealed.appCode}</code>
              </div>
              <button type="button" onClick={() => setRevealed(null)}>
                Hide
              </button>
            </>
          ) : (
            <button type="button" class="reveal" onClick={reveal} title="Shows AppSecret and AppCode; the gateway logs that you did">
              Reveal AppSecret and AppCode
            </button>
          )}
          {error && (
            <span class="error" role="alert">
              {error}
            </span>
          )}
        </dd>
      </dl>
      <h3>Authorizations</h3>
      {a.authorizations.length === 0 ? (
        <p class="muted">None.</p>
      ) : (
        <ul class="auths">
          {a.authorizations.map((z) => (
            <li key={z.api}>
              <a href={apiHref(z.api)}>{z.api}</a> in {z.stages.join(', ')}
              {z.expiresAt && <span class="muted"> until {fmtTime(z.expiresAt)}</span>}{' '}
              <a class="small" href={href('debug', { api: z.api, app: a.name, stage: z.stages[z.stages.length - 1] })}>
                debug
              </a>
            </li>
          ))}
        </ul>
      )}
    </article>
  );
}
