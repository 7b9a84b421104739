/**
 * The admin client of a gateway running in the same process: the same
 * interface and the same core as the HTTP API, without HTTP. Requests and
 * answers pass through JSON as they would on the wire, so both clients
 * behave identically (a test suite runs against both).
 */
import type { Kind } from '@apigw/schema';
import type { AdminCore } from '../admin/core';
import { RuntimeError, adminApiErrorFrom, errorBody } from '../errors';
import type { AppCredentials, BatchRequest, BatchResult, LiveResource, LiveState, LiveStateChanges } from '../model';
import type { GatewayClient, GetStateOptions, RotateCredentialsOptions } from './gateway-client';
import { StateCache, type HeldState, type StateAnswer } from './state-cache';

/** Options of the in-process client. */
export interface InProcessGatewayClientOptions {
  /** Keep the last state read and merge later changes into it (see HttpGatewayClientOptions.cacheState). @default true */
  readonly cacheState?: boolean;
}

/** A GatewayClient calling an AdminCore directly. */
export class InProcessGatewayClient implements GatewayClient {
  private readonly states: StateCache | undefined;

  constructor(
    private readonly core: AdminCore,
    options: InProcessGatewayClientOptions = {},
  ) {
    this.states = options.cacheState === false ? undefined : new StateCache();
  }

  async getState(options: GetStateOptions = {}): Promise<LiveState> {
    await Promise.resolve();
    let sent: GetStateOptions;
    try {
      sent = asSent(options);
    } catch (error) {
      const { status, body } = errorBody(error);
      throw adminApiErrorFrom(status, wire(body));
    }
    // The state arrives as the JSON text the HTTP API sends, parsed once: what a remote client gets.
    const read = (held: HeldState | undefined): Promise<StateAnswer> =>
      this.run(async () => {
        const answer = await this.core.readState({ ...sent, ...(held ? { since: held.revision, ...(held.store === undefined ? {} : { store: held.store }) } : {}) });
        return { answer: answer.kind === 'unchanged' ? 'unchanged' : (JSON.parse(answer.text) as LiveState | LiveStateChanges), store: answer.store };
      }, false);
    return this.states ? this.states.read(sent.stack, read) : (await read(undefined)).answer as LiveState;
  }


  getResource<K extends Kind>(kind: K, id: string): Promise<LiveResource<K> | undefined> {
    return this.run(() => this.core.getResource(kind, id));
  }

  batch(request: BatchRequest): Promise<BatchResult> {
    return this.run(() => this.core.batch(asSent(request)));
  }

  getCredentials(app: string): Promise<AppCredentials> {
    return this.run(() => this.core.getCredentials(app));
  }

  rotateCredentials(app: string, options: RotateCredentialsOptions = {}): Promise<AppCredentials> {
    return this.run(() => this.core.rotateCredentials(app, options));
  }

  /** Runs a core call as a request would: asynchronously, the answer passed through JSON (unless it already was), errors as AdminApiError. */
  private async run<T>(call: () => T | Promise<T>, asWire = true): Promise<T> {
    await Promise.resolve();
    try {
      const answer = await call();
      return asWire ? wire(answer) : answer;
    } catch (error) {
      const { status, body } = errorBody(error);
      throw adminApiErrorFrom(status, wire(body));
    }
  }
}

/** A request as the server would receive it; one JSON cannot carry (cyclic, too deep) is a bad request. */
function asSent<T>(value: T): T {
  try {
    return wire(value);
  } catch (error) {
    throw new RuntimeError('APIGW_BAD_REQUEST', `the request cannot be sent as JSON: ${(error as Error).message}`);
  }
}

/** The value as it would arrive over the wire (undefined fields dropped). */
function wire<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}
