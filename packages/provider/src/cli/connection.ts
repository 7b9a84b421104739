/**
 * How the CLI finds the admin API: --endpoint/--token/--data-dir/--ca,
 * their environment variables and defaults.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HttpGatewayClient, TOKEN_FILE } from '@apigw/runtime';
import { ConnectionError } from '../errors';

/** Where the admin API is and how to authenticate (`--endpoint`, `--token`, `--data-dir`, `--ca`). */
export interface ConnectionOptions {
  readonly endpoint?: string;
  readonly token?: string;
  readonly dataDir?: string;
  /** PEM file of the CA that signed an `https://` admin endpoint's certificate. */
  readonly ca?: string;
}

/** The admin endpoint used when neither `--endpoint` nor APIGW_ENDPOINT says otherwise. */
export const DEFAULT_ENDPOINT = 'http://127.0.0.1:9080';

/** The data directory `apigw serve` uses when none is given, relative to where it runs. */
export const DEFAULT_DATA_DIR = '.apigw';

/**
 * Resolves the endpoint (`--endpoint`, APIGW_ENDPOINT, the default) and the
 * token: `--token`, APIGW_TOKEN, or the `admin.token` file of the data
 * directory — `--data-dir`, else APIGW_DATA_DIR, else `./.apigw` when it
 * holds one — the same places `apigw serve` writes it.
 */
export function resolveConnection(options: ConnectionOptions, env: NodeJS.ProcessEnv, cwd: string = process.cwd()): { endpoint: string; token: string; ca?: string } {
  const endpoint = options.endpoint ?? env['APIGW_ENDPOINT'] ?? DEFAULT_ENDPOINT;
  try {
    new URL(endpoint);
  } catch {
    throw new ConnectionError(`--endpoint ${JSON.stringify(endpoint)} is not a URL`);
  }
  let token = options.token ?? env['APIGW_TOKEN'];
  const dataDir = options.dataDir ?? (env['APIGW_DATA_DIR'] || undefined);
  if ((token === undefined || token === '') && dataDir) {
    const file = path.resolve(cwd, dataDir, TOKEN_FILE);
    try {
      token = fs.readFileSync(file, 'utf8').trim();
    } catch {
      const from = options.dataDir !== undefined ? '--data-dir' : 'APIGW_DATA_DIR';
      throw new ConnectionError(`no admin token in ${file} (${from}): start the gateway with --data-dir ${dataDir} first, or pass --token`);
    }
  }
  if (token === undefined || token === '') {
    const file = path.resolve(cwd, DEFAULT_DATA_DIR, TOKEN_FILE);
    if (fs.existsSync(file)) token = fs.readFileSync(file, 'utf8').trim();
  }
  if (token === undefined || token === '')
    throw new ConnectionError(`no admin token: pass --token, set APIGW_TOKEN, or point --data-dir (or APIGW_DATA_DIR) at the gateway's data directory (apigw serve writes ${DEFAULT_DATA_DIR}/${TOKEN_FILE} where it runs)`);
  const caFile = options.ca ?? (env['APIGW_CA'] || undefined);
  if (caFile === undefined) return { endpoint, token };
  const from = options.ca !== undefined ? '--ca' : 'APIGW_CA';
  try {
    return { endpoint, token, ca: fs.readFileSync(path.resolve(cwd, caFile), 'utf8') };
  } catch (error) {
    throw new ConnectionError(`cannot read the admin endpoint's CA ${caFile} (${from}): ${(error as Error).message}`);
  }
}

/** An admin client for the resolved connection. */
export function connect(options: ConnectionOptions, env: NodeJS.ProcessEnv): HttpGatewayClient {
  return new HttpGatewayClient(resolveConnection(options, env));
}
