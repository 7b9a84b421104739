/**
 * Calling an API through the data plane as a client would: build and sign
 * the request (prepareCall), send it and explain the gateway's answer
 * (performCall). Used by `apigw call` and the console's Debug page.
 */
export { prepareCall, type PrepareCallInput, type PreparedCall, type CallCredentials } from './prepare-call';
export { performCall, explainGatewayError, type PerformCallOptions, type CallResponse, type GatewayErrorExplained } from './perform-call';
