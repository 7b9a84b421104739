import * as fs from 'node:fs';
import * as path from 'node:path';
import { HttpGatewayClient, TOKEN_FILE } from '@apigw/runtime';
import { ConnectionError } from '../errors';

/** Where the admin API is and how to authenticate (`--endpoint`, `--token`, `--data-dir`). */
export interface ConnectionOptions {
  readonly endpoint?: string;
  readonly token?: string;
  readonly dataDir?: string;
}

/** The admin endpoint used when neither `--endpoint` nor APIGW_ENDPOINT says otherwise. */
export const DEFAULT_ENDPOINT = 'http://127.0.0.1:9080';

/**
 * Resolves the endpoint (`--endpoint`, APIGW_ENDPOINT, the default) and the
 * token (`--token`, APIGW_TOKEN, or the `admin.token` file of `--data-dir`).
 */
export function resolveConnection(options: ConnectionOptions, env: NodeJS.ProcessEnv): { endpoint: string; token: string } {
  const endpoint = options.endpoint ?? env['APIGW_ENDPOINT'] ?? DEFAULT_ENDPOINT;
  try {
    new URL(endpoint);
  } catch {
    throw new ConnectionError(`--endpoint ${JSON.stringify(endpoint)} is not a URL`);
  }
  let token = options.token ?? env['APIGW_TOKEN'];
  if ((token === undefined || token === '') && options.dataDir) {
    const file = path.join(options.dataDir, TOKEN_FILE);
    try {
      token = fs.readFileSync(file, 'utf8').trim();
    } catch {
      throw new ConnectionError(`no admin token in ${file}: start the gateway with --data-dir ${options.dataDir} first, or pass --token`);
    }
  }
  if (token === undefined || token === '') throw new ConnectionError('no admin token: pass --token, set APIGW_TOKEN, or point --data-dir at the gateway data directory');
  return { endpoint, token };
}

/** An admin client for the resolved connection. */
export function connect(options: ConnectionOptions, env: NodeJS.ProcessEnv): HttpGatewayClient {
  return new HttpGatewayClient(resolveConnection(options, env));
}
