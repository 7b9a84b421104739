/**
 * @apigw/provider/pulumi: the gateway's six kinds as Pulumi resources, and
 * a component that creates a `GatewayStack` of `@apigw/constructs`.
 *
 * ```ts
 * const group = new ApiGroup('shop', { name: 'shop', domains: ['api.shop.localhost'] });
 * const users = new BackendService('users', { name: 'users', type: 'HTTP', environments: { RELEASE: { url: 'http://127.0.0.1:9002' } } });
 * new Api('getUser', { group, name: 'getUser', request: { method: 'GET', path: '/users' }, backend: { service: users, path: '/v1/users' }, stages: ['RELEASE'] });
 * ```
 *
 * Each resource is backed by a Pulumi dynamic provider whose check, diff,
 * create, read, update and delete run the reconciler's per-kind handlers
 * against the admin API (`apigw:endpoint`, secret `apigw:token`).
 */
// Before the first import of the toolchain: without it, name what to install.
import { requireToolchain } from '../toolchains';
requireToolchain('pulumi');
export * from './errors';
export * from './inputs';
export { TYPE_MODULE, defaultOwner, stackName } from './resource-options';
export { CONFIG_KEYS, DEFAULT_ENDPOINT, resolveConnection, settingsFromConfig, type ClientFactory, type Connection, type ProviderSettings } from './connection';
export { ResourceLifecycle, unknownPointers, type LifecycleOptions } from './lifecycle';
export { GatewayResourceProvider, PROVIDER_MODULE, providerFor } from './dynamic-provider';
export * from './vpc-access';
export * from './backend-service';
export * from './api-group';
export * from './api';
export * from './app';
export * from './authorization';
export * from './plugin';
export * from './plugin-attachment';
export * from './gateway-stack-resources';
