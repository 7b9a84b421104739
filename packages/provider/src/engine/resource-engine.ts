/**
 * The per-resource engine under the Pulumi and Terraform providers: create,
 * create-or-adopt, update, delete and read of one resource on the gateway,
 * with one claim rule. Every decision about the resource itself is its
 * kind's ResourceHandler's (the reconciler's); the engine decides only who
 * may act on it.
 *
 * The claim rule: a tool that keeps its own state records the owner it saw
 * (at creation, adoption or import). An operation claims the live resource
 * for the acting stack only from that recorded owner; when someone else
 * owns it now, the operation is refused with both owners named, so a
 * resource another stack took meanwhile is never taken back silently.
 */
import { hasCredentials, type Kind, type KindSpecs } from '@apigw/schema';
import type { AppCredentials, GatewayClient, LiveResource, Operation } from '@apigw/runtime';
import { OwnerChangedError, ResourceExistsError, ResourceGoneError } from '../errors';
import { handlerFor, type ResourceHandler } from '../kinds';

/** Applies operations as one atomic batch for a stack (default: the client's batch). */
export type ApplyBatch = (stack: string, operations: Operation[]) => Promise<void>;

/** One kind's lifecycle against one gateway. */
export class ResourceEngine<K extends Kind> {
  /** The kind's handler (identity, normalization, diff, operations). */
  readonly handler: ResourceHandler<K>;
  private readonly apply: ApplyBatch;

  constructor(
    readonly kind: K,
    private readonly client: GatewayClient,
    apply?: ApplyBatch,
  ) {
    this.handler = handlerFor(kind);
    this.apply = apply ?? (async (stack, operations) => void (await client.batch({ stack, operations })));
  }

  /** Creates the resource for `owner`; the gateway refuses one that exists (APIGW_ALREADY_EXISTS). Returns its id. */
  async create(spec: KindSpecs[K], owner: string): Promise<string> {
    await this.apply(owner, this.handler.createOps(spec));
    return this.handler.id(spec);
  }

  /**
   * Creates the resource, or, when it exists and `adopt` is set, claims it
   * from whoever owns it now and brings it to `spec`. Without `adopt` an
   * existing resource is refused (ResourceExistsError). Returns its id.
   */
  async createOrAdopt(spec: KindSpecs[K], owner: string, adopt: boolean): Promise<string> {
    const id = this.handler.id(spec);
    const existing = await this.client.getResource(this.kind, id);
    if (!existing) return this.create(spec, owner);
    if (!adopt) throw new ResourceExistsError(this.kind, id, existing.stack);
    await this.apply(owner, [...this.claim(existing, existing.stack, owner), ...this.handler.updateOps(spec, existing)]);
    return id;
  }

  /**
   * Brings the live resource `id` to `spec` for `owner`, claiming it first
   * from `recorded` (the owner the tool's state recorded) when needed.
   * A resource that is gone is refused (ResourceGoneError).
   */
  async update(id: string, spec: KindSpecs[K], owner: string, recorded: string | null): Promise<void> {
    const live = await this.client.getResource(this.kind, id);
    if (!live) throw new ResourceGoneError(this.kind, id);
    const operations = [...this.claim(live, recorded, owner), ...this.handler.updateOps(spec, live)];
    if (operations.length > 0) await this.apply(owner, operations);
  }

  /** Deletes the live resource `id` for `owner` under the claim rule; one already gone is fine. */
  async delete(id: string, owner: string, recorded: string | null): Promise<void> {
    const live = await this.client.getResource(this.kind, id);
    if (!live) return;
    await this.apply(owner, [...this.claim(live, recorded, owner), ...this.handler.deleteOps(live)]);
  }

  /** The live resource and, for a kind with credentials (an app), its credentials; undefined when it is gone. */
  async read(id: string): Promise<{ live: LiveResource<K>; credentials?: AppCredentials } | undefined> {
    const live = await this.client.getResource(this.kind, id);
    if (!live) return undefined;
    const credentials = await this.credentials(id);
    return credentials ? { live, credentials } : { live };
  }

  /** The AppKey, AppSecret and AppCode of a resource whose kind has credentials (an app); undefined for other kinds. */
  async credentials(id: string): Promise<AppCredentials | undefined> {
    return hasCredentials(this.kind) ? this.client.getCredentials(id) : undefined;
  }

  /**
   * The adopt operation that hands `live` to `owner` when it is not the
   * owner's already, allowed only from `recorded`: any other current owner
   * is refused with OwnerChangedError naming both.
   */
  claim(live: LiveResource<K>, recorded: string | null, owner: string): Operation[] {
    if (live.stack === owner) return [];
    if (live.stack !== recorded) throw new OwnerChangedError(this.kind, live.id, live.stack, recorded);
    return [{ op: 'adopt', kind: this.kind, id: live.id, fromStack: live.stack }];
  }
}
