/**
 * The Pulumi dynamic provider of every apigw kind.
 *
 * Pulumi serializes a dynamic provider object *as source* into each
 * resource's state and evaluates it in its own provider process. This
 * object is therefore kept to a shell: its own data is the kind and the
 * settings `configure` receives at run time; each function loads
 * `@apigw/provider/pulumi` from the project's node_modules when it runs and
 * forwards to ResourceLifecycle. It captures no client, socket, token or
 * module, so the serialized text is small and a newer @apigw/provider
 * takes effect without touching the state.
 */
import type * as pulumi from '@pulumi/pulumi';
import type { Kind } from '@apigw/schema';
import type * as self from './index';

// Not exported directly: a serialized function that read an export would
// capture this module's whole exports object.
const MODULE = '@apigw/provider/pulumi';

/** The module every serialized provider loads at run time. */
export { MODULE as PROVIDER_MODULE };

/** Pulumi config the provider reads (`apigw:endpoint`, secret `apigw:token`, `apigw:stack`). */
interface Settings {
  readonly endpoint?: string | undefined;
  readonly token?: string | undefined;
  readonly stack?: string | undefined;
}

function lifecycle(kind: Kind, settings: Settings) {
  // Loaded when a provider function runs, inside Pulumi's provider process.
  const provider = require(MODULE) as typeof self;
  return new provider.ResourceLifecycle(kind, { settings });
}

/** The dynamic provider of one kind: a serializable shell around ResourceLifecycle. */
export class GatewayResourceProvider implements pulumi.dynamic.ResourceProvider {
  private settings: Settings = {};

  constructor(readonly kind: Kind) {}

  /** Keeps the stack's `apigw:*` config for the provider functions. */
  async configure(request: pulumi.dynamic.ConfigureRequest): Promise<void> {
    this.settings = {
      endpoint: request.config.get('apigw:endpoint'),
      token: request.config.get('apigw:token'),
      stack: request.config.get('apigw:stack'),
    };
  }

  async check(olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult> {
    return lifecycle(this.kind, this.settings).check(olds, news);
  }

  async diff(id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.DiffResult> {
    return lifecycle(this.kind, this.settings).diff(id, olds, news);
  }

  async create(inputs: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> {
    return lifecycle(this.kind, this.settings).create(inputs);
  }

  async read(id: string, props?: Record<string, unknown>): Promise<pulumi.dynamic.ReadResult> {
    return lifecycle(this.kind, this.settings).read(id, props);
  }

  async update(id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.UpdateResult> {
    return lifecycle(this.kind, this.settings).update(id, olds, news);
  }

  async delete(id: string, props: Record<string, unknown>): Promise<void> {
    return lifecycle(this.kind, this.settings).delete(id, props);
  }
}

const providers = new Map<Kind, GatewayResourceProvider>();

/** One provider object per kind, so Pulumi serializes each kind's provider once per program. */
export function providerFor(kind: Kind): GatewayResourceProvider {
  let provider = providers.get(kind);
  if (!provider) {
    provider = new GatewayResourceProvider(kind);
    providers.set(kind, provider);
  }
  return provider;
}
