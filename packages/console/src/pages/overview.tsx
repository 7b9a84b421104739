/** The gateway at a glance: revision, data plane, store, nodes, counts, stacks. */
import type { ConsoleNode, ConsoleOverview } from '../../../runtime/src/admin/console-model';
import { REFRESH_MS, useData } from '../hooks';
import { href } from '../route';
import { Load, Page, STAGES, StackName, Table, fmtNumber, fmtTime } from '../ui';

const LINKS: Record<string, string> = { apis: 'apis', groups: 'groups', backendServices: 'backends', apps: 'apps', plugins: 'plugins', pluginAttachments: 'plugins' };

export function Overview() {
  const loaded = useData<ConsoleOverview>('/v1/console/overview', REFRESH_MS);
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
              <Nodes nodes={o.nodes} revision={o.revision} problem={o.nodesProblem} />
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

/** Every node of the gateway: what it serves against the current revision, whether it is ready, when it was last heard of. */
function Nodes(props: { nodes: readonly ConsoleNode[]; revision: number; problem: string | undefined }) {
  return (
    <>
      <h2>Nodes</h2>
      {props.problem && <p class="bad small">Only this node is listed: {props.problem}</p>}
      <Table label="gateway nodes">
        <thead>
          <tr>
            <th scope="col">Host</th>
            <th scope="col" class="num">PID</th>
            <th scope="col">Admin API</th>
            <th scope="col" class="num">Revision served</th>
            <th scope="col">State</th>
            <th scope="col">Last seen</th>
          </tr>
        </thead>
        <tbody>
          {props.nodes.map((n) => (
            <tr key={n.id} data-testid="node" data-node={n.id}>
              <th scope="row">
                {n.hostname}
                {n.self && <span class="muted small"> (this node)</span>}
              </th>
              <td class="num">{n.pid}</td>
              <td class="small">{n.adminUrl}</td>
              <td class={`num ${n.revision < props.revision ? 'warn' : ''}`} data-testid="node-revision">
                {n.revision}
                {n.revision !== props.revision && <span class="muted small"> of {props.revision}</span>}
              </td>
              <td class={n.stale ? 'bad' : n.ready ? 'ok' : 'bad'} data-testid="node-state">
                {n.stale ? 'stale: no heartbeat' : n.ready ? 'ready' : `not ready: ${n.reason ?? 'no reason given'}`}
              </td>
              <td>{fmtTime(n.lastSeen)}</td>
            </tr>
          ))}
        </tbody>
      </Table>
    </>
  );
}
