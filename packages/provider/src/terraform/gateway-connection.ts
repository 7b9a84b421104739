import type { GatewayClient } from '@apigw/runtime';
import type { ConnectGateway } from './provider';

/** Connects to a gateway's admin API over HTTP. */
export const connectGateway: ConnectGateway = (settings): GatewayClient => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const runtime = require('@apigw/runtime') as { HttpGatewayClient: new (o: { endpoint: string; token?: string }) => GatewayClient };
  return new runtime.HttpGatewayClient({ endpoint: settings.endpoint, ...(settings.token !== undefined ? { token: settings.token } : {}) });
};
