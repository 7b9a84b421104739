/**
 * The API table: filtered and paged by the server (the gateway may hold
 * tens of thousands of APIs), filters kept in the fragment so a filtered
 * view can be bookmarked and shared.
 */
import { useEffect, useState } from 'preact/hooks';
import type { ApiPage } from '../../../runtime/src/admin/console-model';
import { query } from '../api';
import { useData } from '../hooks';
import { href, updateQuery, type Route } from '../route';
import { Load, Page, STAGES, StageBadge, Table, fmtNumber } from '../ui';

const PAGE_SIZE = 50;

export function Apis(props: { route: Route }) {
  const q = props.route.query;
  const filters = {
    group: q.get('group') ?? '',
    stage: q.get('stage') ?? '',
    backend: q.get('backend') ?? '',
    q: q.get('q') ?? '',
    stale: q.get('stale') ?? '',
  };
  const offset = Math.max(0, Number(q.get('offset') ?? '0') || 0);
  const loaded = useData<ApiPage>(`/v1/console/apis${query({ ...filters, offset, limit: PAGE_SIZE })}`);
  const [text, setText] = useState(filters.q);
  const set = (change: Partial<typeof filters> & { offset?: string }) => updateQuery(change);
  // Typing filters after a short pause, not on every key.
  useEffect(() => {
    if (text === filters.q) return;
    const id = setTimeout(() => set({ q: text }), 250);
    return () => clearTimeout(id);
  }, [text]);
  const options = loaded.data;
  return (
    <Page title="APIs">
      <form class="filters" role="search" aria-label="filter APIs" onSubmit={(e) => (e.preventDefault(), set({ q: text }))}>
        <label>
          Search
          <input type="search" name="q" placeholder="name or path" value={text} onInput={(e) => setText(e.currentTarget.value)} />
        </label>
        <label>
          Group
          <select name="group" value={filters.group} onChange={(e) => set({ group: e.currentTarget.value })}>
            <option value="">all</option>
            {(options?.groups ?? (filters.group ? [filters.group] : [])).map((g) => (
              <option key={g} value={g}>
                {g}
              </option>
            ))}
          </select>
        </label>
        <label>
          Stage
          <select name="stage" value={filters.stage} onChange={(e) => set({ stage: e.currentTarget.value })}>
            <option value="">any</option>
            {STAGES.map((s) => (
              <option key={s} value={s}>
                published to {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Backend
          <select name="backend" value={filters.backend} onChange={(e) => set({ backend: e.currentTarget.value })}>
            <option value="">all</option>
            {(options?.services ?? (filters.backend ? [filters.backend] : [])).map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label class="check">
          <input type="checkbox" name="stale" checked={filters.stale === 'true'} onChange={(e) => set({ stale: e.currentTarget.checked ? 'true' : '' })} />
          stale only
        </label>
      </form>
      <Load of={loaded}>
        {(page) => (
          <>
            <p class="muted" aria-live="polite" data-testid="api-count">
              {page.total === 0 ? 'No API matches.' : `${fmtNumber(page.offset + 1)}–${fmtNumber(page.offset + page.items.length)} of ${fmtNumber(page.total)} APIs`}
            </p>
            <Table label="APIs" class="apis">
              <thead>
                <tr>
                  <th scope="col">API</th>
                  <th scope="col">Request</th>
                  <th scope="col">Auth</th>
                  <th scope="col">Backend</th>
                  {STAGES.map((s) => (
                    <th scope="col" key={s}>
                      {s}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {page.items.map((a) => (
                  <tr key={a.id}>
                    <th scope="row">
                      <a href={href('apis', a.group, a.name)}>{a.id}</a>
                    </th>
                    <td data-label="Request">
                      <code>
                        {a.method} {a.path}
                      </code>
                    </td>
                    <td data-label="Auth">{a.auth}</td>
                    <td data-label="Backend">
                      <a href={href('backends', { focus: a.service })}>{a.service}</a>
                    </td>
                    {STAGES.map((s) => (
                      <td key={s} data-label={s}>
                        <StageBadge stage={s} view={a.stages[s]} />
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </Table>
            <nav class="pager" aria-label="pages">
              <button type="button" disabled={page.offset === 0} onClick={() => set({ offset: String(Math.max(0, page.offset - PAGE_SIZE)) })}>
                ← Previous
              </button>
              <span>
                Page {Math.floor(page.offset / PAGE_SIZE) + 1} of {Math.max(1, Math.ceil(page.total / PAGE_SIZE))}
              </span>
              <button type="button" disabled={page.offset + PAGE_SIZE >= page.total} onClick={() => set({ offset: String(page.offset + PAGE_SIZE) })}>
                Next →
              </button>
            </nav>
          </>
        )}
      </Load>
    </Page>
  );
}
