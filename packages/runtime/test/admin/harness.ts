/**
 * A real gateway on loopback ports with a raw HTTP helper for admin API
 * tests, so they see exactly what goes over the wire.
 */
import { request } from 'undici';
import { createGateway, type Gateway, type GatewayOptions } from '../../src/gateway';
import { tempDir } from '../store/fixtures';

export const TOKEN = 'admin-test-token';

export interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface Harness {
  gateway: Gateway;
  dir: string;
  /** One admin request; `body` is sent as is when a string, as JSON otherwise. */
  call(method: string, path: string, options?: { body?: unknown; token?: string | null; headers?: Record<string, string> }): Promise<Raw>;
  close(): Promise<void>;
}

export async function startHarness(options: Partial<GatewayOptions> = {}): Promise<Harness> {
  const dir = tempDir();
  const gateway = await createGateway({ dataDir: dir.dir, port: 0, adminPort: 0, adminToken: TOKEN, ...options });
  return {
    gateway,
    dir: dir.dir,
    async call(method, path, opts = {}) {
      const token = opts.token === undefined ? TOKEN : opts.token;
      const headers: Record<string, string> = { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...opts.headers };
      let body: string | undefined;
      if (opts.body !== undefined) {
        body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await request(`${gateway.adminUrl}${path}`, { method: method as 'GET', headers, ...(body === undefined ? {} : { body }) });
      const text = await res.body.text();
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      return { status: res.statusCode, headers: res.headers, text, json };
    },
    async close() {
      await gateway.close();
      dir.cleanup();
    },
  };
}
