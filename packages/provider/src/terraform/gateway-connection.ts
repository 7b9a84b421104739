/**
 * How terraform-provider-apigw reaches a gateway: the HTTP admin client,
 * built from the provider's connection settings.
 */
import { HttpGatewayClient, type GatewayClient } from '@apigw/runtime/client';
import type { ConnectGateway } from './provider';

/** Connects to a gateway's admin API over HTTP (what terraform-provider-apigw uses). */
export const connectGateway: ConnectGateway = (settings): GatewayClient =>
  new HttpGatewayClient({ endpoint: settings.endpoint, token: settings.token });
