/**
 * The store engines an engine-neutral suite runs against: SQLite in the
 * data directory, and PostgreSQL (a throwaway server per test file, a
 * fresh database per store). `describe.each(ENGINES)` runs one suite on
 * both.
 */
import { startTestPostgres, type TestPostgres } from './postgres';

export const ENGINES = ['SQLite', 'PostgreSQL'] as const;
export type EngineName = (typeof ENGINES)[number];

/** Fresh stores of one engine, as createGateway options. */
export class EngineStores {
  private server: Promise<TestPostgres> | undefined;
  private count = 0;

  constructor(readonly engine: EngineName) {}

  /** `{}` (SQLite in the gateway's data directory) or `{ store: <URL of a fresh database> }`. */
  async next(): Promise<{ store?: string }> {
    if (this.engine === 'SQLite') return {};
    this.server ??= startTestPostgres();
    const server = await this.server;
    return { store: await server.createDatabase(`store_${process.pid}_${++this.count}`) };
  }

  /** The PostgreSQL server (started on first use). */
  postgres(): Promise<TestPostgres> {
    return (this.server ??= startTestPostgres());
  }

  /** Stops the server, if one was started. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await (await server).destroy();
  }
}
