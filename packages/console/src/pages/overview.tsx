/** The gateway at a glance: revision, data plane, counts, stacks. */
import type { ConsoleOverview } from '../../../runtime/src/admin/console-model';
import { useData } from '../hooks';
import { href } from '../route';
import { Load, Page, STAGES, StackName, Table, fmtNumber } from '../ui';

const LINKS: Record<string, string> = { apis: 'apis', groups: 'groups', backendServices: 'backends', apps: 'apps', plugins: 'plugins', pluginAttachments: 'plugins' };

export function Overview() {
  const loaded = useData<ConsoleOverview>('/v1/console/overview');
  return (
    <Page title="Overview">
      <Load of={loaded}>
        {(o) => {
          const collections = Object.keys(o.counts);
          return (
            <>
              <dl class="cards">
                <div class="card">
                  <dt>Revision</dt>
                  <dd data-testid="revision">{o.revision}</dd>
                </div>
                <div class="card">
                  <dt>Data plane</dt>
                  <dd class={o.ready ? 'ok' : 'bad'}>{o.ready ? 'serving' : 'not ready'}</dd>
                  <dd class="muted small">{o.dataUrl || 'served by worker processes'}</dd>
                </div>
                <div class="card">
                  <dt>Store</dt>
                  <dd class={o.storage.ready ? 'ok' : 'bad'}>{o.storage.engine}</dd>
                  <dd class="muted small" title={o.storage.reason}>
                    {o.storage.ready ? o.storage.location : `${o.storage.location}: ${o.storage.reason ?? 'not ready'}`}
                  </dd>
                </div>
                {STAGES.map((s) => (
                  <div class="card" key={s}>
                    <dt>Published to {s}</dt>
                    <dd>{fmtNumber(o.published[s])}</dd>
                  </div>
                ))}
                <div class="card">
                  <dt>Stale stages</dt>
                  <dd class={o.stale > 0 ? 'warn' : ''}>
                    {o.stale > 0 ? <a href={href('apis', { stale: 'true' })}>{fmtNumber(o.stale)}</a> : 0}
                  </dd>
                </div>
              </dl>
              <h2>Resources</h2>
              <Table label="resource counts by stack">
                <thead>
                  <tr>
                    <th scope="col">Stack</th>
                    {collections.map((c) => (
                      <th scope="col" class="num" key={c}>
                        {LINKS[c] ? <a href={href(LINKS[c]!)}>{c}</a> : c}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {o.stacks.map((s) => (
                    <tr key={s.stack ?? ''}>
                      <th scope="row">
                        <StackName stack={s.stack} />
                      </th>
                      {collections.map((c) => (
                        <td class="num" key={c}>
                          {fmtNumber(s.counts[c] ?? 0)}
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
                <tfoot>
                  <tr>
                    <th scope="row">All</th>
                    {collections.map((c) => (
                      <td class="num" key={c}>
                        {fmtNumber(o.counts[c] ?? 0)}
                      </td>
                    ))}
                  </tr>
                </tfoot>
              </Table>
              <p class="muted small">Store {o.store}</p>
            </>
          );
        }}
      </Load>
    </Page>
  );
}
