/** The durable state of a gateway. */
export { openStore, GatewayStore, STORE_FILE, type OpenStoreOptions, type CommitListener } from './store';
export { parseBatchRequest, parseSpec, isStackName } from './batch-request';
export { SCHEMA_VERSION } from './migrations';
