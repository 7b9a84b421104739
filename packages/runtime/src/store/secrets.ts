/**
 * Secrets kept out of state reads. A group's certificate private keys and
 * a JWT plugin's HMAC secret are stored (the data plane uses them) but,
 * like app secrets, never leave
 * the gateway through `GET /v1/state`, a change read or a resource read.
 * Readers that compare specs treat a secret the gateway does not return as
 * unchanged.
 */
import type { Kind } from '@apigw/schema';

/**
 * A stored spec (canonical JSON text) as state reads show it: with every
 * `certificates[*].privateKeyPem` of a group and a plugin's `jwt.secret`
 * left out. Specs without one are returned as they are, unparsed.
 */
export function publicSpecText(kind: Kind, spec: string): string {
  if (kind === 'plugin') return spec.includes('"secret"') ? withoutJwtSecret(spec) : spec;
  if (kind !== 'group' || !spec.includes('"privateKeyPem"')) return spec;
  const parsed = JSON.parse(spec) as { certificates?: unknown };
  if (Array.isArray(parsed.certificates))
    for (const certificate of parsed.certificates as Record<string, unknown>[])
      if (certificate !== null && typeof certificate === 'object') delete certificate['privateKeyPem'];
  // Deleting a key keeps the order of the others: the text stays canonical.
  return JSON.stringify(parsed);
}

function withoutJwtSecret(spec: string): string {
  const parsed = JSON.parse(spec) as { jwt?: Record<string, unknown> };
  if (parsed.jwt === undefined || parsed.jwt === null || typeof parsed.jwt !== 'object') return spec;
  delete parsed.jwt['secret'];
  return JSON.stringify(parsed);
}
