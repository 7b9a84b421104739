/**
 * @apigw/runtime: the embedded gateway. Its state model and admin client
 * are the interface every apigw tool uses to change it; `createGateway`
 * runs the whole thing in-process and `runServe` is `apigw serve`.
 */
export * from './model';
export * from './errors';
export * from './client';
export * from './call';
export * from './dataplane/data-plane';
export {
  createDataPlane,
  GATEWAY_ERRORS,
  stringToSign,
  sign,
  APP_CODE_QUERY_PARAMETER,
  TIMESTAMP_WINDOW_MS,
  loadInventoryFile,
  InventorySource,
  DEFAULT_MAX_BODY_BYTES,
  createBackendRegistry,
  registerBackendType,
  FunctionsConfigError,
  type FunctionConfig,
  type LocalFunctionConfig,
  type RemoteFunctionConfig,
  type ApiGatewayEvent,
  type GatewayErrorInfo,
  type GatewayErrorName,
  type SignableRequest,
  type SignatureMethod,
  type ParamBag,
  type BackendModule,
  type BackendRegistry,
  MemoryRateCounter,
  SharedRateCounter,
  COUNTER_FILE,
  type RateCounter,
  type CounterVerdict,
} from './dataplane';
export { attachDataPlaneWorkers, startDataPlaneWorkers, DataPlaneWorkers, WorkersStartError, type DataPlaneWorkersOptions, type CommitSource } from './cluster';
export { openStore, GatewayStore, STORE_FILE, SCHEMA_VERSION, type OpenStoreOptions, type CommitListener, type StoreEngine, type StoreHealth, type Awaitable } from './store';
export { AdminCore, AdminServer, createAdminServer, createMetrics, resolveAdminToken, TOKEN_FILE, DEFAULT_ADMIN_MAX_BODY_BYTES, type AdminServerOptions, type AdminMetrics, type ChangeOptions, type ChangeResult } from './admin';
export { createGateway, urlOf, INVENTORY_FILE, FUNCTIONS_FILE, OSS_FILE, OSS_DIR, type Gateway, type GatewayOptions } from './gateway';
export { DataDirLockedError, type LockHolder } from './data-dir-lock';
export { runServe, parseServeArgs, SERVE_USAGE, ServeUsageError, type ServeOptions, type ServeIo } from './serve';
