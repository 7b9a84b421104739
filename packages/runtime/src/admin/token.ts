/**
 * The admin token: from `APIGW_ADMIN_TOKEN`, or generated once into
 * `<dataDir>/admin.token` (mode 0600) and reused on every later start.
 * Requests are checked in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Name of the token file inside the data directory. */
export const TOKEN_FILE = 'admin.token';

/**
 * The token the admin API requires: `explicit` when given, else
 * `APIGW_ADMIN_TOKEN`, else the token file (created with a fresh random
 * token on first use, readable by its owner only).
 */
export function resolveAdminToken(dataDir: string, explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  const given = explicit ?? env['APIGW_ADMIN_TOKEN'];
  if (given !== undefined && given.trim() !== '') return given.trim();
  const file = join(dataDir, TOKEN_FILE);
  if (existsSync(file)) {
    const token = readFileSync(file, 'utf8').trim();
    if (token !== '') return token;
  }
  mkdirSync(dataDir, { recursive: true });
  const token = randomBytes(32).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return token;
}

/** Compares a request's Authorization header with the token in constant time. */
export function tokenMatches(authorization: string | undefined, token: string): boolean {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '');
  // Digests have equal lengths, so timingSafeEqual never throws and the
  // comparison time does not depend on where the tokens differ.
  const given = createHash('sha256').update(match ? match[1]! : '').digest();
  const expected = createHash('sha256').update(token).digest();
  return timingSafeEqual(given, expected) && match !== null;
}
