/**
 * Opens the store a gateway is configured with: PostgreSQL for a
 * `postgres://` (or `postgresql://`) URL, else the SQLite file in the data
 * directory.
 */
import { mkdirSync } from 'node:fs';
import type { Logger } from 'pino';
import { RuntimeError } from '../errors';
import type { StoreEngine } from './engine';
import { openPostgresStore } from './postgres/postgres-store';
import { openStore } from './store';

/** Where a gateway's state lives. */
export interface StoreLocation {
  /** Data directory of the SQLite store. */
  readonly dataDir: string;
  /** A `postgres://` URL. @default APIGW_STORE, else SQLite in `dataDir` */
  readonly store?: string;
  /** Where a shared store reports losing and regaining its database. */
  readonly logger?: Logger;
}

/** True for a URL the PostgreSQL engine takes. */
export function isPostgresUrl(value: string): boolean {
  return /^postgres(ql)?:\/\//i.test(value);
}

/** Opens the configured store. Throws RuntimeError(APIGW_STORE_URL) for a store that is not a PostgreSQL URL. */
export async function openStoreEngine(location: StoreLocation, env: NodeJS.ProcessEnv = process.env): Promise<StoreEngine> {
  const url = location.store ?? (env['APIGW_STORE'] || undefined);
  if (url === undefined) return openStore(location.dataDir);
  if (!isPostgresUrl(url)) throw new RuntimeError('APIGW_STORE_URL', 'the store must be a postgres:// URL (or absent: SQLite in the data directory)');
  // The data directory still holds the node's own files (admin token, inventory, worker nonces).
  mkdirSync(location.dataDir, { recursive: true, mode: 0o700 });
  return openPostgresStore(url, location.logger ? { logger: location.logger } : {});
}
