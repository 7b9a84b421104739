/**
 * VPC backends: the environment names a VPC access, which authorizes one
 * instance (an id resolved through the runtime's inventory, or a private
 * IPv4 address) and one port. The target is built from the access alone,
 * so a request can reach nothing else. The access's `host` is sent as the
 * Host header and, over HTTPS, is the TLS server name checked against the
 * instance's certificate.
 */
import { isIP } from 'node:net';
import type { BackendModule } from './backend-module';
import { poolKey, proxy, type ProxyTarget } from './proxy';

export const vpcBackend: BackendModule<ProxyTarget> = {
  type: 'VPC',
  compile(service, env, ctx) {
    if (env.vpcAccess === undefined) return { error: `backend service ${service.name} names no VPC access` };
    const access = ctx.vpcAccesses.get(env.vpcAccess);
    if (access === undefined) return { error: `VPC access ${env.vpcAccess} does not exist` };
    const address = isIP(access.instanceId) !== 0 ? access.instanceId : ctx.inventory[access.instanceId];
    if (address === undefined) return { error: `VPC instance ${access.instanceId} is not in the runtime's inventory` };
    if (isIP(address) === 0) return { error: `inventory address of ${access.instanceId} is not an IP address` };
    const hostPart = isIP(address) === 6 ? `[${address}]` : address;
    const origin = `${env.https === true ? 'https' : 'http'}://${hostPart}:${access.port}`;
    const https = env.https === true && access.host !== undefined;
    return { value: { origin, basePath: '', hostHeader: access.host ?? `${hostPart}:${access.port}`, servername: https ? access.host!.replace(/:\d+$/, '') : null } };
  },
  invoke: proxy,
  origins: (t) => [poolKey(t.origin, t.servername)],
};
