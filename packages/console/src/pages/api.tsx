/** One API: request, parameters, what each stage serves and reaches now, authorizations, traffic. */
import type { ApiDetail } from '../../../runtime/src/admin/console-model';
import { useData } from '../hooks';
import { href } from '../route';
import { TrafficTable } from '../traffic';
import { Load, Page, STAGES, StackName, StageBadge, Table, fmtTime } from '../ui';

export function Api(props: { group: string; name: string }) {
  const id = `${props.group}/${props.name}`;
  const loaded = useData<ApiDetail>(`/v1/console/apis/${encodeURIComponent(props.group)}/${encodeURIComponent(props.name)}`);
  return (
    <Page
      title={id}
      actions={
        <a class="button" href={href('debug', { api: id })}>
          Debug this API
        </a>
      }
    >
      <Load of={loaded}>
        {(a) => (
          <>
            {a.description && <p>{a.description}</p>}
            <dl class="facts">
              <dt>Request</dt>
              <dd>
                <code>
                  {a.request.method} {a.request.path}
                </code>
                {a.request.matchAllChildPaths && <span class="chip">and child paths</span>}
              </dd>
              <dt>Protocols</dt>
              <dd>{a.request.protocols.join(', ')}</dd>
              <dt>Mode</dt>
              <dd>{a.request.mode}</dd>
              <dt>Auth</dt>
              <dd>
                {a.auth.type}
                {a.auth.type === 'APP' && ` · ${a.auth.signatureMethod} · AppCode ${a.auth.appCode} · anti-replay ${a.auth.antiReplay ? 'on' : 'off'}`}
              </dd>
              <dt>Stack</dt>
              <dd>
                <StackName stack={a.stack} />
              </dd>
              <dt>Definition</dt>
              <dd>
                <code>{a.digest.slice(0, 7)}</code> <span class="muted">changed {fmtTime(a.updatedAt)}</span>
              </dd>
              <dt>Addresses</dt>
              <dd>{a.domains.length === 0 ? <span class="muted">the group has no domain</span> : a.domains.map((d) => <code class="chip wrap" key={d}>{d}</code>)}</dd>
            </dl>

            <h2>Parameters</h2>
            {a.request.parameters.length === 0 ? (
              <p class="muted">{a.request.mode === 'PASSTHROUGH' ? 'Passthrough: the request goes to the backend as sent.' : 'None.'}</p>
            ) : (
              <Table label="request parameters">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">In</th>
                    <th scope="col">Type</th>
                    <th scope="col">Required</th>
                    <th scope="col">Default</th>
                    <th scope="col">To backend as</th>
                  </tr>
                </thead>
                <tbody>
                  {a.request.parameters.map((p) => (
                    <tr key={`${p.in}:${p.name}`}>
                      <th scope="row">
                        <code>{p.name}</code>
                        {p.description && <div class="small muted">{p.description}</div>}
                      </th>
                      <td>{p.in}</td>
                      <td>{p.type}</td>
                      <td>{p.required ? 'yes' : 'no'}</td>
                      <td>{p.default === undefined ? '' : <code>{p.default}</code>}</td>
                      <td>
                        {p.backendIn ?? p.in} <code>{p.backendName ?? p.name}</code>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </Table>
            )}

            <h2>Backend per stage</h2>
            <p class="small muted">
              Current definition: service <a href={href('backends', { focus: a.backend.service })}>{a.backend.service}</a>, {a.backend.method} <code>{a.backend.path}</code>, timeout {a.backend.timeoutMs} ms
            </p>
            <Table label="backend per stage" class="stages">
              <thead>
                <tr>
                  <th scope="col">Stage</th>
                  <th scope="col">Published revision</th>
                  <th scope="col">Service</th>
                  <th scope="col">Reaches now</th>
                </tr>
              </thead>
              <tbody>
                {STAGES.map((s) => {
                  const v = a.stages[s];
                  return (
                    <tr key={s} data-stage={s}>
                      <th scope="row">{s}</th>
                      <td>
                        <StageBadge stage={s} view={v} /> {v && <span class="small muted">{fmtTime(v.publishedAt)}</span>}
                      </td>
                      <td>{v ? <a href={href('backends', { focus: v.service })}>{v.service}</a> : <span class="muted">not published</span>}</td>
                      <td class="reaches">
                        {v && (v.reaches ? <code class="wrap">{v.reaches.target}</code> : <span class="bad">the service has no {s} definition</span>)}
                        {v?.reaches?.detail && <div class="small muted">{v.reaches.detail}</div>}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </Table>
            {(a.backend.constantParameters.length > 0 || a.backend.systemParameters.length > 0) && (
              <ul class="small">
                {a.backend.constantParameters.map((c) => (
                  <li key={`c${c.name}`}>
                    constant {c.in} <code>{c.name}</code> = <code>{c.value}</code>
                  </li>
                ))}
                {a.backend.systemParameters.map((p) => (
                  <li key={`s${p.name}`}>
                    system {p.name} → {p.in} <code>{p.as}</code>
                  </li>
                ))}
              </ul>
            )}

            <h2>Authorizations</h2>
            {a.auth.type === 'ANONYMOUS' && <p class="small muted">Anonymous API: any caller may call it.</p>}
            {a.authorizations.length === 0 ? (
              <p class="muted">No app is authorized.</p>
            ) : (
              <Table label="authorizations">
                <thead>
                  <tr>
                    <th scope="col">App</th>
                    <th scope="col">AppKey</th>
                    <th scope="col">Stages</th>
                    <th scope="col">Expires</th>
                  </tr>
                </thead>
                <tbody>
                  {a.authorizations.map((z) => (
                    <tr key={z.app}>
                      <th scope="row">
                        <a href={href('apps', { focus: z.app })}>{z.app}</a>
                      </th>
                      <td>
                        <code>{z.appKey}</code>
                      </td>
                      <td>{z.stages.join(', ')}</td>
                      <td>{z.expiresAt ? fmtTime(z.expiresAt) : 'never'}</td>
                    </tr>
                  ))}
                </tbody>
              </Table>
            )}

            {a.plugins.length > 0 && (
              <>
                <h2>Plugins</h2>
                <ul class="auths" data-testid="api-plugins">
                  {a.plugins.map((p) => (
                    <li key={`${p.via}:${p.plugin}`}>
                      <a href={href('plugins', { focus: p.plugin })}>{p.plugin}</a> <span class="chip">{p.type}</span> in {p.stages.join(', ')}
                      <span class="muted small"> (attached to the {p.via === 'api' ? 'API' : 'group'})</span>
                    </li>
                  ))}
                </ul>
              </>
            )}

            <h2>Traffic</h2>
            <TrafficTable api={a.id} />
          </>
        )}
      </Load>
    </Page>
  );
}
