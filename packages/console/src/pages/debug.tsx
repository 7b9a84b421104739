/**
 * Debug: pick an API, a stage and who calls (an app — the runtime signs
 * with its credentials, which the page never sees — its AppCode, typed
 * credentials, or nobody), fill the parameters its definition declares, and
 * send through the gateway's own data plane. The answer shows status,
 * headers, body and timing, the gateway's error explained, and on a
 * signature mismatch both strings to sign side by side.
 */
import { useMemo, useState } from 'preact/hooks';
import type { ApiDetail, ApiPage, AppView, DebugCaller, DebugRequest, DebugResult } from '../../../runtime/src/admin/console-model';
import { call, query } from '../api';
import { useData } from '../hooks';
import { apiHref, updateQuery, type Route } from '../route';
import { Page, STAGES, type Stage } from '../ui';

type Parameter = ApiDetail['request']['parameters'][number];

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'];

/** Path template names (`/users/{id}` → `id`). */
function templateNames(path: string): string[] {
  return [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
}

/** The parameters to fill: the declared ones, plus path template names a PASSTHROUGH API does not declare. */
function parametersOf(api: ApiDetail): Parameter[] {
  const declared = api.request.mode === 'MAPPING' ? [...api.request.parameters] : [];
  for (const name of templateNames(api.request.path))
    if (!declared.some((p) => p.in === 'PATH' && p.name === name)) declared.unshift({ name, in: 'PATH', type: 'STRING', required: true });
  return declared;
}

/** `Name: value` lines → headers. */
function parseHeaders(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return headers;
}

export function Debug(props: { route: Route }) {
  const apiId = props.route.query.get('api') ?? '';
  const slash = apiId.indexOf('/');
  const detail = useData<ApiDetail>(slash > 0 ? `/v1/console/apis/${encodeURIComponent(apiId.slice(0, slash))}/${encodeURIComponent(apiId.slice(slash + 1))}` : null);
  return (
    <Page title="Debug">
      <ApiChooser value={apiId} />
      {detail.error && (
        <p class="error" role="alert">
          {detail.error.message}
        </p>
      )}
      {slash > 0 && detail.data?.id === apiId && <DebugForm api={detail.data} route={props.route} key={apiId} />}
      {apiId === '' && <p class="muted">Choose an API to call. It is called through this gateway's data plane, as a client would call it.</p>}
    </Page>
  );
}

function ApiChooser(props: { value: string }) {
  // The field shows what was typed while the chosen API stays the one it was
  // typed against; once the choice moves (here, by a link, by Back) it shows
  // the new one. Derived in render: an effect would run a frame later and
  // could wipe what was typed since the page appeared.
  const [typed, setTyped] = useState({ text: props.value, against: props.value });
  const text = typed.against === props.value ? typed.text : props.value;
  const setText = (value: string) => setTyped({ text: value, against: props.value });
  const search = useData<ApiPage>(`/v1/console/apis${query({ q: text, limit: 20 })}`);
  const choose = (value: string) => {
    const id = value.trim();
    if (id !== props.value && /^[^/]+\/[^/]+$/.test(id)) updateQuery({ api: id });
  };
  return (
    <form class="debug-form" role="search" aria-label="choose the API" onSubmit={(e) => (e.preventDefault(), choose(text))}>
      <label>
        API (group/name)
        <input
          name="api"
          list="debug-apis"
          value={text}
          placeholder="shop/getUser"
          autocomplete="off"
          onInput={(e) => {
            setText(e.currentTarget.value);
            if (search.data?.items.some((a) => a.id === e.currentTarget.value)) choose(e.currentTarget.value);
          }}
          onChange={(e) => choose(e.currentTarget.value)}
        />
        <datalist id="debug-apis">
          {search.data?.items.map((a) => (
            <option key={a.id} value={a.id}>
              {a.method} {a.path}
            </option>
          ))}
        </datalist>
      </label>
      <button type="submit">Choose</button>
    </form>
  );
}

function DebugForm(props: { api: ApiDetail; route: Route }) {
  const api = props.api;
  const apps = useData<AppView[]>('/v1/console/apps');
  const published = STAGES.filter((s) => api.stages[s]);
  const [stage, setStage] = useState<Stage>(((props.route.query.get('stage') as Stage | null) ?? published[published.length - 1] ?? 'RELEASE') as Stage);
  const authorized = api.authorizations.filter((a) => a.stages.includes(stage)).map((a) => a.app);
  const defaultCaller = api.auth.type === 'ANONYMOUS' ? 'anonymous' : props.route.query.get('app') ? `app:${props.route.query.get('app')}` : authorized[0] ? `app:${authorized[0]}` : 'anonymous';
  const [caller, setCaller] = useState(defaultCaller);
  const [typedCode, setTypedCode] = useState('');
  const [typedKey, setTypedKey] = useState('');
  const [typedSecret, setTypedSecret] = useState('');
  const parameters = useMemo(() => parametersOf(api), [api]);
  const [values, setValues] = useState<Record<string, string>>(() => Object.fromEntries(parameters.map((p) => [`${p.in}:${p.name}`, p.default ?? ''])));
  const [extraHeaders, setExtraHeaders] = useState('');
  const [rawBody, setRawBody] = useState('');
  const [method, setMethod] = useState<string>(api.request.method === 'ANY' ? 'GET' : api.request.method);
  const [result, setResult] = useState<DebugResult | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const hasFormParameters = parameters.some((p) => p.in === 'BODY');
  const appNames = (apps.data ?? []).map((a) => a.name);
  const ordered = [...authorized, ...appNames.filter((n) => !authorized.includes(n))];

  const send = async (e: Event) => {
    e.preventDefault();
    const sections: Record<Parameter['in'], Record<string, string>> = { PATH: {}, QUERY: {}, HEAD: {}, BODY: {} };
    for (const p of parameters) {
      const v = values[`${p.in}:${p.name}`] ?? '';
      if (v !== '' || p.in === 'PATH') sections[p.in][p.name] = v;
    }
    let who: DebugCaller;
    if (caller.startsWith('app:')) who = { kind: 'app', app: caller.slice(4), use: 'signature' };
    else if (caller.startsWith('appcode:')) who = { kind: 'app', app: caller.slice(8), use: 'appCode' };
    else if (caller === 'typed-appcode') who = { kind: 'appCode', appCode: typedCode };
    else if (caller === 'typed-keys') who = { kind: 'keys', appKey: typedKey, appSecret: typedSecret };
    else who = { kind: 'anonymous' };
    const request: DebugRequest = {
      api: api.id,
      stage,
      caller: who,
      path: sections.PATH,
      query: sections.QUERY,
      headers: { ...sections.HEAD, ...parseHeaders(extraHeaders) },
      ...(hasFormParameters ? { form: sections.BODY } : rawBody !== '' ? { body: rawBody } : {}),
      ...(api.request.method === 'ANY' ? { method } : {}),
    };
    setBusy(true);
    setError('');
    try {
      setResult(await call<DebugResult>('/v1/console/debug', { method: 'POST', body: request }));
    } catch (err) {
      setResult(null);
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <p class="small">
        <a href={apiHref(api.id)}>{api.id}</a>: <code>
          {api.request.method} {api.request.path}
        </code>{' '}
        · {api.auth.type}
        {api.auth.type === 'APP' && ` · AppCode ${api.auth.appCode}`}
      </p>
      <form onSubmit={send} aria-label="debug call">
        <div class="debug-form">
          <label>
            Stage
            <select name="stage" value={stage} onChange={(e) => setStage(e.currentTarget.value as Stage)}>
              {STAGES.map((s) => (
                <option key={s} value={s}>
                  {s}
                  {api.stages[s] ? '' : ' (not published)'}
                </option>
              ))}
            </select>
          </label>
          <label>
            Call as
            <select name="caller" value={caller} onChange={(e) => setCaller(e.currentTarget.value)}>
              {ordered.map((n) => (
                <option key={`app:${n}`} value={`app:${n}`}>
                  app {n}, signed{authorized.includes(n) ? '' : ' (not authorized here)'}
                </option>
              ))}
              {api.auth.appCode !== 'DISABLED' &&
                ordered.map((n) => (
                  <option key={`appcode:${n}`} value={`appcode:${n}`}>
                    app {n}, with its AppCode
                  </option>
                ))}
              <option value="typed-keys">AppKey and AppSecret typed here</option>
              <option value="typed-appcode">AppCode typed here</option>
              <option value="anonymous">anonymous (no credentials)</option>
            </select>
          </label>
          {api.request.method === 'ANY' && (
            <label>
              Method
              <select name="method" value={method} onChange={(e) => setMethod(e.currentTarget.value)}>
                {METHODS.map((m) => (
                  <option key={m}>{m}</option>
                ))}
              </select>
            </label>
          )}
          {caller === 'typed-appcode' && (
            <label>
              AppCode
              <input type="password" name="appCode" autocomplete="off" value={typedCode} onInput={(e) => setTypedCode(e.currentTarget.value)} />
            </label>
          )}
          {caller === 'typed-keys' && (
            <>
              <label>
                AppKey
                <input name="appKey" autocomplete="off" value={typedKey} onInput={(e) => setTypedKey(e.currentTarget.value)} />
              </label>
              <label>
                AppSecret
                <input type="password" name="appSecret" autocomplete="off" value={typedSecret} onInput={(e) => setTypedSecret(e.currentTarget.value)} />
              </label>
            </>
          )}
        </div>
        {parameters.length > 0 && (
          <fieldset>
            <legend>Parameters</legend>
            <div class="params">
              {parameters.map((p) => (
                <ParameterInput key={`${p.in}:${p.name}`} parameter={p} value={values[`${p.in}:${p.name}`] ?? ''} onInput={(v) => setValues((s) => ({ ...s, [`${p.in}:${p.name}`]: v }))} />
              ))}
            </div>
          </fieldset>
        )}
        <fieldset>
          <legend>More</legend>
          <label class="stack">
            <span>
              Extra headers (one <code>Name: value</code> per line)
            </span>
            <textarea name="headers" rows={2} value={extraHeaders} onInput={(e) => setExtraHeaders(e.currentTarget.value)} />
          </label>
          {!hasFormParameters && (
            <label class="stack">
              Body
              <textarea name="body" rows={3} value={rawBody} onInput={(e) => setRawBody(e.currentTarget.value)} />
            </label>
          )}
        </fieldset>
        <button type="submit" disabled={busy}>
          {busy ? 'Sending…' : 'Send'}
        </button>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {result && <DebugAnswer result={result} />}
    </>
  );
}

function ParameterInput(props: { parameter: Parameter; value: string; onInput: (value: string) => void }) {
  const p = props.parameter;
  const label = (
    <>
      <span>
        <code>{p.name}</code> · {p.in} · {p.type}
        {p.required ? ' · required' : ''}
      </span>
      {p.description && <span class="small">{p.description}</span>}
    </>
  );
  if (p.type === 'BOOLEAN')
    return (
      <label>
        {label}
        <select name={`${p.in}:${p.name}`} value={props.value} onChange={(e) => props.onInput(e.currentTarget.value)}>
          <option value="">(not sent)</option>
          <option value="true">true</option>
          <option value="false">false</option>
        </select>
      </label>
    );
  const name = `${p.in}:${p.name}`;
  const onInput = (e: { currentTarget: HTMLInputElement }) => props.onInput(e.currentTarget.value);
  return (
    <label>
      {label}
      {p.type === 'STRING' ? (
        <input name={name} type="text" required={p.required} value={props.value} onInput={onInput} />
      ) : (
        <input name={name} type="number" step={p.type === 'INT' || p.type === 'LONG' ? '1' : 'any'} required={p.required} value={props.value} onInput={onInput} />
      )}
    </label>
  );
}

/** Pretty JSON when the body is JSON, else the text as is. */
function pretty(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

function DebugAnswer(props: { result: DebugResult }) {
  const r = props.result;
  const res = r.response;
  return (
    <section class="panel" aria-labelledby="answer-title" aria-live="polite">
      <h2 id="answer-title">Answer</h2>
      {r.failure ? (
        <p class="error" role="alert">
          No answer: {r.failure}
        </p>
      ) : (
        res && (
          <>
            <p>
              <span class={`status ${res.status < 400 ? 'ok' : 'bad'}`} data-testid="debug-status">
                {res.status}
              </span>{' '}
              in <span data-testid="debug-ms">{r.ms.toFixed(1)} ms</span>
              {res.requestId && <span class="small muted"> · X-Ca-Request-Id {res.requestId}</span>}
            </p>
            {res.gatewayError && (
              <div class="explain" data-testid="debug-explain">
                <strong>
                  The gateway refused or failed the request: {res.gatewayError.code} {res.gatewayError.message}
                </strong>
                <p>{res.gatewayError.doc}</p>
                <p class="small">
                  X-Ca-Error-Message: <code class="wrap">{res.gatewayError.sent}</code>
                </p>
              </div>
            )}
            {res.serverStringToSign !== undefined && (
              <div class="sts-compare">
                <h3>String to sign</h3>
                <p class="small">The gateway computed the first; the request was signed over the second. Compare them line by line.</p>
                <h4>Gateway</h4>
                <pre class="sts" data-testid="server-sts">
                  {res.serverStringToSign}
                </pre>
                <h4>Sent</h4>
                <pre class="sts">{r.request.stringToSign ?? '(not signed by the runtime)'}</pre>
                {r.request.stringToSign === res.serverStringToSign && <p class="small">The strings are the same: the request was signed with another AppSecret than the app's.</p>}
              </div>
            )}
            <h3>Response headers</h3>
            <HeaderTable headers={res.headers} label="response headers" />
            <h3>Response body{res.truncated ? ' (truncated)' : ''}</h3>
            <pre class="body" data-testid="debug-body">
              {pretty(res.body)}
            </pre>
          </>
        )
      )}
      <details>
        <summary>Request sent</summary>
        <p>
          <code class="wrap">
            {r.request.method} {r.request.url}
          </code>
        </p>
        <HeaderTable headers={r.request.headers} label="request headers" />
        {r.request.body !== '' && <pre class="body">{r.request.body}</pre>}
        {r.request.stringToSign !== undefined && (
          <>
            <h4>String to sign</h4>
            <pre class="sts">{r.request.stringToSign}</pre>
          </>
        )}
      </details>
    </section>
  );
}

function HeaderTable(props: { headers: readonly (readonly [string, string])[]; label: string }) {
  return (
    <div class="table-wrap" role="region" aria-label={props.label} tabIndex={0}>
      <table>
        <tbody>
          {props.headers.map(([k, v], i) => (
            <tr key={`${k}${i}`}>
              <th scope="row">
                <code>{k}</code>
              </th>
              <td>
                <code class="wrap">{v}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
