/**
 * IP_CONTROL: ALLOW or DENY lists of CIDR blocks (IPv4 and IPv6), checked on
 * the client's address, with optional lists for named apps.
 *
 * - ALLOW: a call passes when its address is in `cidrs`, or when the
 *   calling app has its own list and the address is in it.
 * - DENY: a call is refused when its address is in `cidrs`, or in the
 *   calling app's own list.
 * Checks that need no app run before authentication (`checkAddress`); the
 * app's list, once the app is known (`checkApp`).
 *
 * The client's address is the peer's, except when the peer is a proxy the
 * runtime trusts: then `X-Forwarded-For` is read from the right, skipping
 * trusted proxies, and the first address that is not one is the client.
 * A client can write anything into X-Forwarded-For, so only what trusted
 * proxies appended is believed.
 */
import { BlockList, isIP } from 'node:net';
import { parseCidr, type IpControl } from '@apigw/schema';


/** An IP-control plugin compiled for the request path. */
export interface IpPolicy {
  readonly allow: boolean;
  readonly blocks: BlockList;
  /** App name -> its own blocks. */
  readonly apps: ReadonlyMap<string, BlockList>;
}

/** The result of checking an address before the app is known. */
export type AddressVerdict = 'PASS' | 'REFUSE' | 'NEEDS_APP';

/** Builds a BlockList of CIDR blocks; throws a TypeError naming a bad block (validation refuses them first). */
export function blockListOf(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const text of cidrs) {
    const cidr = parseCidr(text);
    if (typeof cidr === 'string') throw new TypeError(`invalid CIDR block: ${cidr}`);
    list.addSubnet(cidr.address, cidr.prefix, cidr.family === 4 ? 'ipv4' : 'ipv6');
  }
  return list;
}

/** Compiles a plugin's configuration once. */
export function compileIpControl(config: Pick<IpControl, 'mode' | 'cidrs'> & Partial<Pick<IpControl, 'apps'>>): IpPolicy {
  const apps = new Map<string, BlockList>();
  for (const a of config.apps ?? []) apps.set(a.app, blockListOf(a.cidrs));
  return { allow: config.mode === 'ALLOW', blocks: blockListOf(config.cidrs), apps };
}

/**
 * An address as BlockList checks it: IPv4-mapped IPv6 (`::ffff:10.0.0.1`,
 * what a dual-stack socket reports for an IPv4 peer) as plain IPv4, and a
 * zone index (`fe80::1%eth0`) dropped. Null when it is not an address.
 */
function normalize(address: string): { address: string; type: 'ipv4' | 'ipv6' } | null {
  let a = address;
  const zone = a.indexOf('%');
  if (zone !== -1) a = a.slice(0, zone);
  if (a.length > 7 && a.charCodeAt(0) === 58 /* : */ && /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(a)) a = a.slice(7);
  const family = isIP(a);
  if (family === 0) return null;
  return { address: a, type: family === 4 ? 'ipv4' : 'ipv6' };
}

/** True when `address` is in `list` (false for anything that is not an address). */
export function inBlocks(list: BlockList, address: string): boolean {
  const n = normalize(address);
  return n !== null && list.check(n.address, n.type);
}

/**
 * The client's address: the peer's, or, when the peer is a trusted proxy,
 * the rightmost X-Forwarded-For entry that is not a trusted proxy (the
 * leftmost entry when all are). An unparsable entry stops the walk: it
 * is taken as the client (and is in no list, so ALLOW refuses it).
 */
export function clientAddress(peer: string, forwardedFor: string | string[] | undefined, trusted: BlockList | null): string {
  if (trusted === null || forwardedFor === undefined || !inBlocks(trusted, peer)) return stripMapped(peer);
  const hops = (typeof forwardedFor === 'string' ? forwardedFor : forwardedFor.join(',')).split(',');
  let client = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!.trim();
    if (hop === '') continue;
    client = hop;
    if (normalize(hop) === null || !inBlocks(trusted, hop)) break;
  }
  return stripMapped(client);
}

function stripMapped(address: string): string {
  return address.length > 7 && /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(address) ? address.slice(7) : address;
}

/** Checks the address before the app is known. */
export function checkAddress(policy: IpPolicy, address: string): AddressVerdict {
  const listed = inBlocks(policy.blocks, address);
  if (policy.allow) return listed ? 'PASS' : policy.apps.size > 0 ? 'NEEDS_APP' : 'REFUSE';
  if (listed) return 'REFUSE';
  return policy.apps.size > 0 ? 'NEEDS_APP' : 'PASS';
}

/** Checks the app's own list, after `checkAddress` answered NEEDS_APP; `app` is null for anonymous calls. */
export function checkApp(policy: IpPolicy, address: string, app: string | null): boolean {
  const own = app === null ? undefined : policy.apps.get(app);
  if (own === undefined) return !policy.allow;
  const listed = inBlocks(own, address);
  return policy.allow ? listed : !listed;
}
