/**
 * The admin client of a gateway running in the same process: the same
 * interface and the same core as the HTTP API, without HTTP. Requests and
 * answers pass through JSON as they would on the wire, so both clients
 * behave identically (a test suite runs against both).
 */
import type { Kind } from '@apigw/schema';
import type { AdminCore } from '../admin/core';
import { RuntimeError, adminApiErrorFrom, errorBody } from '../errors';
import type { AppCredentials, BatchRequest, BatchResult, LiveResource, LiveState } from '../model';
import type { GatewayClient, GetStateOptions } from './gateway-client';

/** A GatewayClient calling an AdminCore directly. */
export class InProcessGatewayClient implements GatewayClient {
  constructor(private readonly core: AdminCore) {}

  getState(options: GetStateOptions = {}): Promise<LiveState> {
    return this.run(() => this.core.getState(asSent(options)));
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

  rotateCredentials(app: string): Promise<AppCredentials> {
    return this.run(() => this.core.rotateCredentials(app));
  }

  private async run<T>(call: () => T): Promise<T> {
    await Promise.resolve();
    try {
      return wire(call());
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
