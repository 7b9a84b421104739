/** Plugins (traffic policies) with their settings and where each is attached. */
import { Fragment } from 'preact';
import type { PluginsView } from '../../../runtime/src/admin/console-model';
import { useData } from '../hooks';
import { useEffect } from 'preact/hooks';
import { apiHref, href, type Route } from '../route';
import { Load, Page, StackName } from '../ui';

export function Plugins(props: { route: Route }) {
  const loaded = useData<PluginsView>('/v1/console/plugins');
  const focus = props.route.query.get('focus');
  useEffect(() => {
    if (focus && loaded.data) document.getElementById(`plugin-${focus}`)?.scrollIntoView({ block: 'start' });
  }, [focus, loaded.data !== undefined]);
  return (
    <Page title="Plugins">
      <Load of={loaded}>
        {(view) =>
          !view.available ? (
            <p class="muted">This gateway has no plugins.</p>
          ) : view.plugins.length === 0 ? (
            <p class="muted">No plugins.</p>
          ) : (
            view.plugins.map((p) => (
              <article class={`panel${focus === p.name ? ' focus' : ''}`} key={p.name} aria-labelledby={`plugin-${p.name}`} data-plugin={p.name}>
                <h2 id={`plugin-${p.name}`}>
                  {p.name} <span class="chip">{p.type}</span>
                </h2>
                {p.description && <p>{p.description}</p>}
                <dl class="facts">
                  <dt>Stack</dt>
                  <dd>
                    <StackName stack={p.stack} />
                  </dd>
                  {Object.entries(p.settings).map(([key, value]) => (
                    <Fragment key={key}>
                      <dt>{key}</dt>
                      <dd>
                        <pre class="settings">{JSON.stringify(value, null, 2)}</pre>
                      </dd>
                    </Fragment>
                  ))}
                  <dt>Attached to</dt>
                  <dd>
                    {p.attachments.length === 0 ? (
                      <span class="muted">nothing</span>
                    ) : (
                      <ul class="auths">
                        {p.attachments.map((a, i) => (
                          <li key={i}>
                            {a.api ? <a href={apiHref(a.api)}>API {a.api}</a> : <a href={href('apis', { group: a.group })}>group {a.group}</a>} in {a.stages.join(', ')}
                          </li>
                        ))}
                      </ul>
                    )}
                  </dd>
                </dl>
              </article>
            ))
          )
        }
      </Load>
    </Page>
  );
}
