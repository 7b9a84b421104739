/**
 * @apigw/runtime/client: everything a tool needs to drive a gateway, and
 * nothing of the server: the admin clients, the state model and the
 * runtime's errors. The Pulumi resources and the Terraform plugin load this
 * entry, not the gateway.
 */
export * from '../model';
export * from '../errors';
export * from './gateway-client';
export { HttpGatewayClient, type HttpGatewayClientOptions } from './http-client';
export { InProcessGatewayClient, type InProcessGatewayClientOptions } from './in-process-client';
export { StateCache, applyStateChanges, isStateChanges, type HeldState, type StateAnswer } from './state-cache';
export { RESOURCE_PATHS, STORE_HEADER, resourcePath, type ResourcePath } from './paths';
