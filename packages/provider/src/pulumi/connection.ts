/**
 * How the Pulumi resources reach the gateway. The settings come from the
 * stack's Pulumi config (`apigw:endpoint`, secret `apigw:token`,
 * `apigw:stack`), handed to the provider when Pulumi configures it, or from
 * the environment (`APIGW_ENDPOINT`, `APIGW_TOKEN`, `APIGW_STACK`). They are
 * resolved every time a provider function runs, never captured in the
 * program, so the token never lands in the state and a changed endpoint
 * takes effect on the next run.
 */
import { HttpGatewayClient, type GatewayClient } from '@apigw/runtime/client';
import { ConnectionError } from '../errors';

/** The endpoint the CLI uses too when nothing is configured. */
export const DEFAULT_ENDPOINT = 'http://127.0.0.1:9080';

/** What Pulumi config says (each value absent when not set). */
export interface ProviderSettings {
  /** `apigw:endpoint`: base URL of the admin API. */
  readonly endpoint?: string | undefined;
  /** `apigw:token`: the admin token (a Pulumi secret). */
  readonly token?: string | undefined;
  /** `apigw:stack`: the owning stack of resources that do not name one. */
  readonly stack?: string | undefined;
}

/** The Pulumi config keys the provider reads. */
export const CONFIG_KEYS = { endpoint: 'apigw:endpoint', token: 'apigw:token', stack: 'apigw:stack' } as const;

/** Reads the provider settings from a Pulumi config reader (the `configure` request's, or `pulumi.Config`). */
export function settingsFromConfig(config: { get(key: string): string | undefined }): ProviderSettings {
  return { endpoint: config.get(CONFIG_KEYS.endpoint), token: config.get(CONFIG_KEYS.token), stack: config.get(CONFIG_KEYS.stack) };
}

/** Where and how to reach the admin API. */
export interface Connection {
  readonly endpoint: string;
  readonly token: string;
}

/**
 * The connection: config first, then the environment, then the default
 * endpoint. Throws ConnectionError naming the setting whose URL is wrong,
 * or when no token is set.
 */
export function resolveConnection(settings: ProviderSettings, env: NodeJS.ProcessEnv = process.env): Connection {
  const [endpoint, source] = nonEmpty(settings.endpoint)
    ? [settings.endpoint, CONFIG_KEYS.endpoint]
    : nonEmpty(env['APIGW_ENDPOINT'])
      ? [env['APIGW_ENDPOINT'], 'APIGW_ENDPOINT']
      : [DEFAULT_ENDPOINT, 'the default endpoint'];
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch (cause) {
    throw new ConnectionError(`${source} is not a URL: ${JSON.stringify(endpoint)}`, { cause });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConnectionError(`${source} must be an http or https URL, not ${JSON.stringify(endpoint)}`);
  const token = nonEmpty(settings.token) ? settings.token : nonEmpty(env['APIGW_TOKEN']) ? env['APIGW_TOKEN'] : undefined;
  if (token === undefined)
    throw new ConnectionError(`no admin token for ${endpoint}: run pulumi config set --secret apigw:token <token>, or set APIGW_TOKEN`);
  return { endpoint, token };
}

/** The owning stack from config or the environment, when set. */
export function configuredOwner(settings: ProviderSettings, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (nonEmpty(settings.stack)) return settings.stack;
  const fromEnv = env['APIGW_STACK'];
  return nonEmpty(fromEnv) ? fromEnv : undefined;
}

/** A client for one provider call; closed when the call ends. */
export type CallClient = GatewayClient & { close?(): Promise<void> };

/** Opens a client for one provider call. */
export type ClientFactory = (connection: Connection) => CallClient;

/** The admin API over HTTP. */
export const httpClient: ClientFactory = (connection) => new HttpGatewayClient(connection);

function nonEmpty(value: string | undefined): value is string {
  return value !== undefined && value !== '';
}
