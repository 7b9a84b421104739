/** Debug: call an API as an app (signed by the gateway) and look at the answer. */
import type { Route } from '../route';
import { Page } from '../ui';

export function Debug(_props: { route: Route }) {
  return (
    <Page title="Debug">
      <p class="muted">Choose an API to call.</p>
    </Page>
  );
}
