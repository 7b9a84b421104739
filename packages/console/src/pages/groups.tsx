/** API groups: base path, domains and certificates (expiry, never keys). */
import type { GroupView } from '../../../runtime/src/admin/console-model';
import { useData } from '../hooks';
import { href } from '../route';
import { Load, Page, StackName, Table, fmtTime } from '../ui';

export function Groups() {
  const loaded = useData<GroupView[]>('/v1/console/groups');
  return (
    <Page title="Groups">
      <Load of={loaded}>
        {(groups) =>
          groups.length === 0 ? (
            <p class="muted">No groups.</p>
          ) : (
            groups.map((g) => (
              <article class="panel" key={g.name} aria-labelledby={`group-${g.name}`}>
                <h2 id={`group-${g.name}`}>{g.name}</h2>
                {g.description && <p>{g.description}</p>}
                <dl class="facts">
                  <dt>Base path</dt>
                  <dd>
                    <code>{g.basePath}</code>
                  </dd>
                  <dt>Stack</dt>
                  <dd>
                    <StackName stack={g.stack} />
                  </dd>
                  <dt>APIs</dt>
                  <dd>
                    <a href={href('apis', { group: g.name })}>{g.apis}</a>
                  </dd>
                  <dt>Domains</dt>
                  <dd>{g.domains.length === 0 ? <span class="muted">none</span> : g.domains.map((d) => <code class="chip" key={d}>{d}</code>)}</dd>
                </dl>
                {g.certificates.length > 0 && (
                  <Table label={`certificates of ${g.name}`}>
                    <thead>
                      <tr>
                        <th scope="col">Domain</th>
                        <th scope="col">Subject</th>
                        <th scope="col">Issuer</th>
                        <th scope="col">Expires</th>
                        <th scope="col">SHA-256 fingerprint</th>
                      </tr>
                    </thead>
                    <tbody>
                      {g.certificates.map((c) => (
                        <tr key={c.domain}>
                          <td>
                            <code>{c.domain}</code>
                          </td>
                          {c.error ? (
                            <td colSpan={4} class="bad">
                              {c.error}
                            </td>
                          ) : (
                            <>
                              <td>{c.subject}</td>
                              <td>{c.issuer}</td>
                              <td class={c.daysLeft < 0 ? 'bad' : c.daysLeft < 30 ? 'warn' : ''}>
                                {fmtTime(c.validTo)} ({c.daysLeft < 0 ? `expired ${-c.daysLeft} days ago` : `${c.daysLeft} days left`})
                              </td>
                              <td>
                                <code class="wrap">{c.fingerprint256}</code>
                              </td>
                            </>
                          )}
                        </tr>
                      ))}
                    </tbody>
                  </Table>
                )}
              </article>
            ))
          )
        }
      </Load>
    </Page>
  );
}
