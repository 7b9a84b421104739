/**
 * CIDR blocks as IP_CONTROL plugins and the runtime's trusted proxies write
 * them: `10.0.0.0/8`, `2001:db8::/32`, or a single address (`127.0.0.1`,
 * `::1`) meaning the one host. One parser, so the document's validation
 * and the data plane agree on what a block is.
 */
import { isIP } from 'node:net';

/** A parsed CIDR block. */
export interface Cidr {
  /** The network address as written (host bits are allowed and ignored). */
  readonly address: string;
  readonly prefix: number;
  readonly family: 4 | 6;
}

/**
 * Parses `text` as a CIDR block; answers a sentence saying what is wrong
 * when it is not one.
 */
export function parseCidr(text: string): Cidr | string {
  const slash = text.indexOf('/');
  const address = slash === -1 ? text : text.slice(0, slash);
  const version = isIP(address);
  if (version === 0) return `"${address}" is not an IPv4 or IPv6 address`;
  const family: 4 | 6 = version === 4 ? 4 : 6;
  const max = family === 4 ? 32 : 128;
  if (slash === -1) return { address, prefix: max, family };
  const bits = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > max) return `prefix length "${bits}" must be 0 to ${max} for IPv${family}`;
  return { address, prefix: Number(bits), family };
}
