/** Live traffic of every API and stage. */
import { TRAFFIC_MS, TrafficTable } from '../traffic';
import { Page } from '../ui';

export function Traffic() {
  return (
    <Page title="Traffic">
      <p class="small muted">
        Sampled every {TRAFFIC_MS / 1000} s from the runtime's request metrics while this page is open; charts show requests per second (errors in red) and latency p50 (blue) and p99 (orange) per interval.
      </p>
      <TrafficTable limit={100} />
    </Page>
  );
}
