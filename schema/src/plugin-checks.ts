/**
 * What the JSON Schema cannot say about plugins and their attachments: a
 * plugin's configuration sits under the key of its type; CIDR blocks, keys
 * and origins are usable; an attachment names exactly one target; and at
 * most one plugin of each type is attached to one API or group in a stage.
 * The document rules report these per resource.
 */
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { parseCidr } from './cidr';
import type { Plugin, PluginAttachment, Stage } from './document.generated';

/** One thing wrong within a resource: where (JSON pointer within it) and why. */
export interface PluginCheck {
  readonly pointer: string;
  readonly message: string;
}

/** The key under which each type's configuration sits. */
export const PLUGIN_CONFIG_KEY = {
  TRAFFIC_CONTROL: 'trafficControl',
  IP_CONTROL: 'ipControl',
  CORS: 'cors',
  JWT: 'jwt',
} as const satisfies Record<Plugin['type'], keyof Plugin>;

const HMAC_ALGORITHMS = new Set(['HS256', 'HS384', 'HS512']);

/** Problems of one plugin's configuration (empty when it is usable). */
export function checkPluginConfig(plugin: Plugin): PluginCheck[] {
  const out: PluginCheck[] = [];
  const own = PLUGIN_CONFIG_KEY[plugin.type];
  for (const key of Object.values(PLUGIN_CONFIG_KEY)) {
    if (key !== own && plugin[key] !== undefined) out.push({ pointer: `/${key}`, message: `a ${plugin.type} plugin has no ${key}; its configuration goes under ${own}` });
  }
  if (plugin[own] === undefined) {
    out.push({ pointer: '', message: `a ${plugin.type} plugin needs its configuration under ${own}` });
    return out;
  }
  if (plugin.trafficControl !== undefined && plugin.type === 'TRAFFIC_CONTROL') {
    const t = plugin.trafficControl;
    if (t.apiDefault === undefined && t.appDefault === undefined && (t.specials ?? []).length === 0)
      out.push({ pointer: '/trafficControl', message: 'a traffic control plugin sets apiDefault, appDefault or a special limit' });
    const seen = new Set<string>();
    (t.specials ?? []).forEach((s, i) => {
      if (seen.has(s.app)) out.push({ pointer: `/trafficControl/specials/${i}/app`, message: `app ${s.app} has two special limits` });
      seen.add(s.app);
    });
  }
  if (plugin.ipControl !== undefined && plugin.type === 'IP_CONTROL') {
    const ip = plugin.ipControl;
    ip.cidrs.forEach((c, i) => {
      const parsed = parseCidr(c);
      if (typeof parsed === 'string') out.push({ pointer: `/ipControl/cidrs/${i}`, message: parsed });
    });
    const seen = new Set<string>();
    ip.apps.forEach((a, i) => {
      if (seen.has(a.app)) out.push({ pointer: `/ipControl/apps/${i}/app`, message: `app ${a.app} has two lists` });
      seen.add(a.app);
      a.cidrs.forEach((c, j) => {
        const parsed = parseCidr(c);
        if (typeof parsed === 'string') out.push({ pointer: `/ipControl/apps/${i}/cidrs/${j}`, message: parsed });
      });
    });
  }
  if (plugin.cors !== undefined && plugin.type === 'CORS') {
    const cors = plugin.cors;
    const star = cors.allowOrigins.indexOf('*');
    if (cors.allowCredentials && star !== -1)
      out.push({ pointer: `/cors/allowOrigins/${star}`, message: 'a wildcard origin cannot be combined with allowCredentials; list the origins' });
  }
  if (plugin.jwt !== undefined && plugin.type === 'JWT') out.push(...checkJwt(plugin.jwt));
  return out;
}

function checkJwt(jwt: NonNullable<Plugin['jwt']>): PluginCheck[] {
  const out: PluginCheck[] = [];
  const sources = (['jwks', 'publicKey', 'secret'] as const).filter((k) => jwt[k] !== undefined);
  if (sources.length !== 1) {
    out.push({ pointer: '/jwt', message: `a JWT plugin verifies with exactly one of jwks, publicKey and secret${sources.length > 1 ? ` (found ${sources.join(', ')})` : ''}` });
    return out;
  }
  const hmac = jwt.algorithms.filter((a) => HMAC_ALGORITHMS.has(a));
  if (jwt.secret !== undefined && hmac.length === 0) out.push({ pointer: '/jwt/algorithms', message: 'a secret verifies HS256, HS384 or HS512 tokens; allow one of them' });
  if (jwt.secret === undefined && hmac.length === jwt.algorithms.length)
    out.push({ pointer: '/jwt/algorithms', message: 'HMAC algorithms need a secret; allow an algorithm of the public key' });
  if (jwt.publicKey !== undefined) {
    try {
      createPublicKey(jwt.publicKey);
    } catch (err) {
      out.push({ pointer: '/jwt/publicKey', message: `not a usable public key: ${(err as Error).message}` });
    }
  }
  if (jwt.jwks !== undefined) {
    jwt.jwks.keys.forEach((key, i) => {
      if ('d' in key) {
        out.push({ pointer: `/jwt/jwks/keys/${i}`, message: 'the key set holds a private key; publish only the public part' });
        return;
      }
      try {
        createPublicKey({ key: key as JsonWebKey, format: 'jwk' });
      } catch (err) {
        out.push({ pointer: `/jwt/jwks/keys/${i}`, message: `not a usable public key: ${(err as Error).message}` });
      }
    });
  }
  const headers = new Set<string>();
  jwt.claimsToHeaders.forEach((c, i) => {
    const h = c.header.toLowerCase();
    if (RESERVED_HEADERS.has(h) || h.startsWith('x-ca-'))
      out.push({ pointer: `/jwt/claimsToHeaders/${i}/header`, message: `${c.header} is a header the gateway itself sets or relies on` });
    if (headers.has(h)) out.push({ pointer: `/jwt/claimsToHeaders/${i}/header`, message: `${c.header} receives two claims` });
    headers.add(h);
  });
  return out;
}

/** Headers a claim may not be sent as: framing, routing and the gateway's own. */
const RESERVED_HEADERS = new Set([
  'host',
  'content-length',
  'content-type',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'proxy-authorization',
  'x-forwarded-for',
  'x-forwarded-proto',
]);

/** An attachment names exactly one of api and group; null when it does. */
export function checkAttachmentTarget(a: PluginAttachment): PluginCheck | null {
  if ((a.api === undefined) === (a.group === undefined)) return { pointer: '', message: 'a plugin attachment names exactly one of api and group' };
  return null;
}

/**
 * Attachments that put a second plugin of one type on the same API or
 * group in a stage, with the stage and the attachment that was there
 * first. `typeOf` gives a plugin's type (undefined when unknown, e.g.
 * imported: such attachments are not compared).
 */
export function conflictingAttachments<A extends PluginAttachment>(
  attachments: readonly A[],
  typeOf: (plugin: string) => Plugin['type'] | undefined,
): { readonly attachment: A; readonly first: A; readonly stage: Stage; readonly type: Plugin['type'] }[] {
  const seen = new Map<string, A>();
  const out: { attachment: A; first: A; stage: Stage; type: Plugin['type'] }[] = [];
  for (const a of attachments) {
    const type = typeOf(a.plugin);
    if (type === undefined) continue;
    const target = a.api !== undefined ? `api ${a.api}` : `group ${a.group ?? ''}`;
    for (const stage of a.stages) {
      const key = `${target}\n${stage}\n${type}`;
      const first = seen.get(key);
      if (first === undefined) seen.set(key, a);
      else if (first.plugin !== a.plugin) out.push({ attachment: a, first, stage, type });
    }
  }
  return out;
}
