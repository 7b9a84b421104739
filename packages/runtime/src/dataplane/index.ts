/**
 * The data plane of the embedded gateway: routing snapshot, Alibaba-style
 * authentication, parameter mapping and backends.
 */
import type { DataPlane, DataPlaneOptions } from './data-plane';
import { GatewayDataPlane } from './gateway-data-plane';

/**
 * Creates the data plane. It serves nothing (every request answers
 * `Invalid Domain`) until `update` gives it a state view, and listens once
 * `listen` is called.
 */
export function createDataPlane(options: DataPlaneOptions): DataPlane {
  return new GatewayDataPlane(options);
}

export type { DataPlane, DataPlaneOptions } from './data-plane';
export { GatewayDataPlane, DEFAULT_MAX_BODY_BYTES } from './gateway-data-plane';
export { loadInventoryFile, InventorySource, InventoryError, type Inventory } from './inventory';
export { ErrorAnswer, type Exchange } from './exchange';
export type { RequestPolicy } from './policy';
export { GATEWAY_ERRORS, type GatewayErrorInfo, type GatewayErrorName } from './gateway-errors';
export { stringToSign, sign, signedHeaderNames, type SignableRequest, type SignatureMethod, type ParamBag } from './signature';
export { APP_CODE_QUERY_PARAMETER, TIMESTAMP_WINDOW_MS } from './auth';
export { NonceStore, type NonceStoreOptions, type NonceLedger, type NonceVerdict } from './nonce-store';
export { SharedNonceStore, NONCE_FILE, type SharedNonceStoreOptions } from './shared-nonce-store';
export { MemoryRateCounter, type RateCounter, type CounterVerdict, type MemoryRateCounterOptions } from './plugins/rate-counter';
export { SharedRateCounter, COUNTER_FILE, type SharedRateCounterOptions } from './plugins/shared-rate-counter';
export { createBackendRegistry, registerBackendType, type BackendModuleFactory, type BackendRegistry, type BackendServices } from './backends/registry';
export { FunctionHost, type FunctionHostOptions } from './backends/function/host';
export { FunctionsConfigError, resolveFunctions, loadFunctionsFile, type FunctionConfig, type LocalFunctionConfig, type RemoteFunctionConfig } from './backends/function/config';
export type { ApiGatewayEvent } from './backends/function/event';
export { ObjectStorage, type ObjectStorageOptions } from './backends/oss/oss-backend';
export { OssConfigError, resolveBuckets, type ExternalBucketConfig } from './backends/oss/config';
export type { BackendModule, CompileResult } from './backends/backend-module';
