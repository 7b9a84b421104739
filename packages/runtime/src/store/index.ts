/** The durable state of a gateway. */
export { openStore, GatewayStore, STORE_FILE, type OpenStoreOptions } from './store';
export type { StoreEngine, StoreHealth, CommitListener, Awaitable } from './engine';
export { parseBatchRequest, parseSpec, isStackName } from './batch-request';
export { SCHEMA_VERSION } from './migrations';
