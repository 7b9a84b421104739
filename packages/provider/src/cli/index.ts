/** The `apigw` command line. */
export { main, run, errorText } from './main';
export { buildProgram, EXIT } from './program';
export { resolveConnection, connect, DEFAULT_ENDPOINT, DEFAULT_DATA_DIR, type ConnectionOptions } from './connection';
export { processIo, type CliIo } from './io';
