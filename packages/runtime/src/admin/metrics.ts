/**
 * The runtime's Prometheus metrics. One registry per gateway: the admin API
 * registers its own metrics in it, and the data plane is handed the same
 * registry to add its own, so `/metrics` shows both.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The control plane's metrics and the registry they live in. */
export interface AdminMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'method' | 'route' | 'status'>;
  readonly duration: Histogram<'method' | 'route'>;
  readonly batches: Counter<'outcome'>;
  readonly revision: Gauge;
  /**
   * Time the in-process data plane took to take each committed state (the
   * view read and the snapshot compile): part of every batch's latency,
   * since a commit is live when its batch returns.
   */
  readonly dataPlaneUpdate: Histogram;
  /**
   * Metric text produced elsewhere and appended to `/metrics`: the
   * aggregated request metrics of data-plane worker processes.
   */
  readonly external: (() => Promise<string>)[];
}

/** Options of createMetrics. */
export interface MetricsOptions {
  /** A registry to register into (the data plane may share it). @default a new one */
  readonly registry?: Registry;
  /** Also collect Node.js process metrics (once per process). @default false */
  readonly defaultMetrics?: boolean;
}

/** Creates the control plane's metrics. */
export function createMetrics(options: MetricsOptions = {}): AdminMetrics {
  const registry = options.registry ?? new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry });
  return {
    registry,
    requests: new Counter({
      name: 'apigw_admin_requests_total',
      help: 'Admin API requests by method, route and status.',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'apigw_admin_request_duration_seconds',
      help: 'Admin API request duration in seconds.',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers: [registry],
    }),
    batches: new Counter({
      name: 'apigw_batches_total',
      help: 'Batches by outcome (committed, dry_run, rejected).',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    revision: new Gauge({ name: 'apigw_state_revision', help: 'Revision of the committed state.', registers: [registry] }),
    dataPlaneUpdate: new Histogram({
      name: 'apigw_dataplane_update_seconds',
      help: 'Time the in-process data plane took to take a committed state (view read and snapshot compile), in seconds.',
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers: [registry],
    }),
    external: [],
  };
}
