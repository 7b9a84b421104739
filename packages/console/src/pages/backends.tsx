/** Backend services: one column per environment, with the published APIs that follow each. */
import { useEffect } from 'preact/hooks';
import type { BackendView } from '../../../runtime/src/admin/console-model';
import { useData } from '../hooks';
import { apiHref, href, type Route } from '../route';
import { Load, Page, STAGES, StackName, Table } from '../ui';


export function Backends(props: { route: Route }) {
  const loaded = useData<BackendView[]>('/v1/console/backends');
  const focus = props.route.query.get('focus');
  useEffect(() => {
    if (focus && loaded.data) document.getElementById(`backend-${focus}`)?.scrollIntoView({ block: 'start' });
  }, [focus, loaded.data !== undefined]);
  return (
    <Page title="Backend services">
      <Load of={loaded}>
        {(services) =>
          services.length === 0 ? (
            <p class="muted">No backend services.</p>
          ) : (
            <Table label="backend services" class="backends">
              <thead>
                <tr>
                  <th scope="col">Service</th>
                  {STAGES.map((s) => (
                    <th scope="col" key={s}>
                      {s}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {services.map((b) => (
                  <tr key={b.name} id={`backend-${b.name}`} class={focus === b.name ? 'focus' : ''} data-service={b.name}>
                    <th scope="row">
                      {b.name}
                      <div class="small muted">
                        {b.type} · <StackName stack={b.stack} />
                      </div>
                      {b.description && <div class="small">{b.description}</div>}
                    </th>
                    {STAGES.map((s) => {
                      const env = b.environments[s];
                      const following = b.following[s];
                      const total = b.followingCount[s];
                      return (
                        <td key={s} data-stage={s}>
                          {env ? <code class="wrap target">{env.target}</code> : <span class="muted">no definition</span>}
                          {env?.detail && <div class="small muted">{env.detail}</div>}
                          {total > 0 && (
                            <details class="following">
                              <summary>
                                {total} published API{total === 1 ? '' : 's'} follow{total === 1 ? 's' : ''}
                              </summary>
                              <ul>
                                {following.map((id) => (
                                  <li key={id}>
                                    <a href={apiHref(id)}>{id}</a>
                                  </li>
                                ))}
                                {total > following.length && (
                                  <li>
                                    <a href={href('apis', { stage: s, backend: b.name })}>all {total}…</a>
                                  </li>
                                )}
                              </ul>
                            </details>
                          )}
                        </td>
                      );
                    })}
                  </tr>
                ))}
              </tbody>
            </Table>
          )
        }
      </Load>
    </Page>
  );
}
