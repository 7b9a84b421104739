/**
 * The nodes sharing one PostgreSQL store: each node's primary process
 * rewrites its row of the `nodes` table every few seconds (who it is, the
 * revision it serves, ready or not and why; nothing secret), and any node
 * lists them all. Times come from the database's clock, so nodes whose
 * clocks disagree still judge each other fairly. A node silent for three
 * of its intervals is stale; a row silent for an hour is deleted.
 */
import type pg from 'pg';
import type { NodeRecord, NodeStatus } from '../engine';

/** Heartbeat interval when none is given, in ms. */
export const DEFAULT_HEARTBEAT_MS = 5000;

/** Missed heartbeats after which a node shows as stale. */
export const STALE_AFTER_BEATS = 3;

/** How long a silent node's row is kept, in ms. */
export const NODE_RETENTION_MS = 60 * 60_000;

const UPSERT = `
  INSERT INTO nodes (id, hostname, pid, admin_url, started_at, last_seen, heartbeat_ms, revision, ready, reason)
  VALUES ($1, $2, $3, $4, $5, now(), $6, $7, $8, $9)
  ON CONFLICT (id) DO UPDATE SET admin_url = excluded.admin_url, last_seen = excluded.last_seen,
    heartbeat_ms = excluded.heartbeat_ms, revision = excluded.revision, ready = excluded.ready, reason = excluded.reason`;

const PRUNE = `DELETE FROM nodes WHERE last_seen < now() - make_interval(secs => $1::double precision / 1000)`;

const LIST = `
  SELECT id, hostname, pid, admin_url, started_at, last_seen, revision, ready, reason,
    last_seen < now() - make_interval(secs => $1::double precision * heartbeat_ms / 1000) AS stale
  FROM nodes ORDER BY started_at, id`;

interface NodeRow {
  id: string;
  hostname: string;
  pid: number;
  admin_url: string;
  started_at: Date;
  last_seen: Date;
  revision: number;
  ready: boolean;
  reason: string | null;
  stale: boolean;
}

/** Keeps one node's row current while the node runs. */
export class NodeHeartbeat {
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly status: () => NodeStatus,
    /** Time between two heartbeats, in ms. */
    readonly intervalMs = DEFAULT_HEARTBEAT_MS,
  ) {}

  /** Writes the first heartbeat now, then every interval. */
  start(): void {
    if (this.timer) return;
    void this.beat();
    this.timer = setInterval(() => void this.beat(), this.intervalMs);
    this.timer.unref();
  }

  /** One heartbeat (skipped while the previous one still runs); an unreachable database is the poll's to report. */
  beat(): Promise<void> {
    this.beating ??= this.write()
      .catch(() => undefined)
      .finally(() => {
        this.beating = undefined;
      });
    return this.beating;
  }

  private async write(): Promise<void> {
    const s = this.status();
    await this.pool.query({
      name: 'apigw_node_beat',
      text: UPSERT,
      values: [s.id, s.hostname, s.pid, s.adminUrl, s.startedAt, this.intervalMs, s.revision, s.ready, s.ready ? null : (s.reason ?? null)],
    });
    await this.pool.query({ name: 'apigw_node_prune', text: PRUNE, values: [NODE_RETENTION_MS] });
  }

  /** Stops writing (the row stays, and shows stale once its heartbeats are missed). Waits for a heartbeat in flight. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.beating;
  }
}

/** Every node of the store, stale ones included, in the order they started. */
export async function listNodes(pool: pg.Pool): Promise<NodeRecord[]> {
  const result = await pool.query<NodeRow>({ name: 'apigw_node_list', text: LIST, values: [STALE_AFTER_BEATS] });
  return result.rows.map((row) => ({
    id: row.id,
    hostname: row.hostname,
    pid: row.pid,
    adminUrl: row.admin_url,
    startedAt: row.started_at.toISOString(),
    lastSeen: row.last_seen.toISOString(),
    revision: row.revision,
    ready: row.ready,
    ...(row.reason === null ? {} : { reason: row.reason }),
    stale: row.stale,
  }));
}
