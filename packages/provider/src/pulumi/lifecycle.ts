/**
 * What each Pulumi provider function does, for one kind. Every decision is
 * the kind's ResourceHandler's (the reconciler's): validation and defaults
 * come from the schema, field diffs and replace-only fields from the
 * handler, runtime operations from its createOps/updateOps/deleteOps.
 * Create, update, delete and read run on the resource engine
 * (`engine/resource-engine`) the Terraform provider shares, with one
 * GatewayClient per call.
 *
 * The functions take and return Pulumi property bags (see ./state). The
 * dynamic provider (./dynamic-provider) is a thin, serializable shell that
 * loads this module at run time and forwards to it.
 */
import { identityFields, validateResource, type Kind, type KindSpecs } from '@apigw/schema';
import type { LiveResource } from '@apigw/runtime';
import * as pulumi from '@pulumi/pulumi';
import { ResourceEngine } from '../engine/resource-engine';
import { checkPartial, replacedFields, unknownPointers as findUnknowns } from '../engine/unknowns';
import * as engineErrors from '../errors';
import { handlerFor, jsonEqual, type ResourceHandler } from '../kinds';
import { configuredOwner, httpClient, resolveConnection, type ClientFactory, type ProviderSettings } from './connection';
import { InputInvalidError, NotOwnedError, OwnerUnsetError, PulumiResourceError, ResourceExistsError, ResourceGoneError } from './errors';
import {
  inputsFromLive,
  liveFromOutputs,
  outputsFromLive,
  ownerOf,
  propertyPath,
  specFromProps,
  topProperty,
  withUnreadSecrets,
  type PropertyMap,
} from './state';

/** Options of a lifecycle: where settings come from and how to reach the gateway. */
export interface LifecycleOptions {
  /** Settings from Pulumi config (`configure`). */
  readonly settings?: ProviderSettings;
  /** Environment to fall back on (default: process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** How to open a client (default: the admin API over HTTP). */
  readonly client?: ClientFactory;
}

/**
 * check, diff, create, read, update and delete of one kind, with the
 * signatures of `pulumi.dynamic.ResourceProvider`.
 */
export class ResourceLifecycle<K extends Kind> implements Required<Omit<pulumi.dynamic.ResourceProvider, 'configure'>> {
  private readonly handler: ResourceHandler<K>;
  private readonly settings: ProviderSettings;
  private readonly env: NodeJS.ProcessEnv;
  private readonly clientFactory: ClientFactory;

  constructor(
    readonly kind: K,
    options: LifecycleOptions = {},
  ) {
    this.handler = handlerFor(kind);
    this.settings = options.settings ?? {};
    this.env = options.env ?? process.env;
    this.clientFactory = options.client ?? httpClient;
  }

  /**
   * Validates the inputs against the kind's schema (failures name the
   * field as a property path) and returns them normalized: defaults
   * filled, sets in canonical order, the owning stack resolved. Values not
   * known yet (a preview before a referenced resource exists) are skipped.
   */
  async check(_olds: PropertyMap, news: PropertyMap): Promise<pulumi.dynamic.CheckResult> {
    const body = specFromProps(this.kind, news);
    const checked = checkPartial(this.kind, body, unknownPointers(body));
    const failures: pulumi.dynamic.CheckFailure[] = [];
    const owner = ownerOf(news) ?? configuredOwner(this.settings, this.env);
    if (owner === undefined && !isUnknown(news['stack']))
      failures.push({ property: 'stack', reason: 'no owning stack: set stack on the resource, the apigw:stack config or APIGW_STACK' });
    if (news['adopt'] !== undefined && typeof news['adopt'] !== 'boolean' && !isUnknown(news['adopt']))
      failures.push({ property: 'adopt', reason: 'must be a boolean' });
    for (const p of checked.problems) failures.push({ property: propertyPath(p.pointer), reason: p.message });
    if (failures.length > 0) return { inputs: news, failures };
    if (checked.value === undefined) return { inputs: news };
    const inputs: Record<string, unknown> = { ...(this.handler.normalize(checked.value) as object) };
    if (news['stack'] !== undefined || owner !== undefined) inputs['stack'] = isUnknown(news['stack']) ? news['stack'] : owner;
    if (news['adopt'] !== undefined) inputs['adopt'] = news['adopt'];
    return { inputs };
  }

  /**
   * The handler's field diff of the new inputs against the state's
   * outputs. Replace-only fields and identity changes are `replaces`,
   * always delete-before-replace: names, domains and routes are unique on
   * the gateway, so the old resource must go before its successor comes.
   * A change of owning stack is an in-place update (an adopt).
   */
  async diff(id: string, olds: PropertyMap, news: PropertyMap): Promise<pulumi.dynamic.DiffResult> {
    const desired = specFromProps(this.kind, news);
    const oldSpec = specFromProps(this.kind, olds) as unknown as Record<string, unknown>;
    const unknown = unknownPointers(desired);
    if (unknown.length > 0) {
      // A preview before the unknowns are computed: a change for sure, and a replace when the fields they may change say so.
      const replaces = replacedFields(this.kind, oldSpec, desired as unknown as Record<string, unknown>, unknown);
      return replaces.length > 0 ? { changes: true, replaces, deleteBeforeReplace: true } : { changes: true };
    }
    const live = liveFromOutputs(this.kind, id, olds);
    const changes = this.handler.diff(desired, { ...live, spec: withUnreadSecrets(this.kind, live.spec, desired) } as LiveResource<K>);
    const replaces = new Set(changes.filter((c) => c.forcesReplacement).map((c) => topProperty(c.path)));
    const normalized = this.handler.normalize(desired);
    if (this.handler.id(normalized) !== id)
      for (const key of identityFields(this.kind)) if (!jsonEqual(oldSpec[key], (normalized as unknown as Record<string, unknown>)[key])) replaces.add(key);
    const ownerChanges = news['stack'] !== undefined && news['stack'] !== olds['stack'];
    const changed = changes.length > 0 || replaces.size > 0 || ownerChanges;
    return replaces.size > 0 ? { changes: true, replaces: [...replaces].sort(), deleteBeforeReplace: true } : { changes: changed };
  }

  /** Creates the resource, or adopts it when it exists and `adopt` is set; the outputs are read back from the gateway. */
  async create(inputs: PropertyMap): Promise<pulumi.dynamic.CreateResult> {
    const spec = this.desired(inputs);
    const owner = this.owner(inputs);
    return this.withEngine(async (engine) => {
      const id = await engine.createOrAdopt(spec, owner, inputs['adopt'] === true);
      return { id, outs: await this.outputs(engine, id) };
    });
  }

  /**
   * Reads the live resource. Its outputs show drift after an out-of-band
   * change (`pulumi refresh`); its inputs are what a program must declare
   * to match it (`pulumi import`). A missing resource reads as gone.
   */
  async read(id: string, _props?: PropertyMap): Promise<pulumi.dynamic.ReadResult> {
    return this.withEngine(async (engine) => {
      const found = await engine.read(id);
      if (!found) return {};
      return { id, props: outputsFromLive(this.kind, found.live, found.credentials), inputs: inputsFromLive(this.kind, found.live) };
    });
  }

  /**
   * Brings the live resource to the inputs with the handler's update
   * operations (an API is republished where needed), claiming it first
   * from the owner the state recorded when the owning stack changes or it
   * was imported unowned.
   */
  async update(id: string, olds: PropertyMap, news: PropertyMap): Promise<pulumi.dynamic.UpdateResult> {
    const spec = this.desired(news);
    const owner = this.owner(news);
    return this.withEngine(async (engine) => {
      await engine.update(id, spec, owner, ownerOf(olds) ?? null);
      return { outs: await this.outputs(engine, id) };
    });
  }

  /** Deletes the resource with the handler's operations (an API is unpublished first); one already gone is fine. */
  async delete(id: string, props: PropertyMap): Promise<void> {
    const recorded = ownerOf(props);
    const owner = recorded ?? configuredOwner(this.settings, this.env);
    return this.withEngine(async (engine) => {
      if (owner === undefined) {
        if (!(await engine.read(id))) return;
        throw new OwnerUnsetError(this.kind);
      }
      await engine.delete(id, owner, recorded ?? null);
    });
  }

  /**
   * Runs `fn` with an engine on a client of the configured gateway, closed
   * afterwards; the engine's refusals become the Pulumi resources' errors.
   */
  private async withEngine<T>(fn: (engine: ResourceEngine<K>) => Promise<T>): Promise<T> {
    const client = this.clientFactory(resolveConnection(this.settings, this.env));
    try {
      return await fn(new ResourceEngine(this.kind, client));
    } catch (err) {
      throw pulumiError(err);
    } finally {
      await client.close?.();
    }
  }

  private desired(props: PropertyMap): KindSpecs[K] {
    const result = validateResource(this.kind, specFromProps(this.kind, props));
    if (!result.ok) throw new InputInvalidError(this.kind, result.problems.map((p) => ({ property: propertyPath(p.pointer), reason: p.message })));
    return this.handler.normalize(result.value);
  }

  private owner(props: PropertyMap): string {
    const owner = ownerOf(props) ?? configuredOwner(this.settings, this.env);
    if (owner === undefined || owner === null) throw new OwnerUnsetError(this.kind);
    return owner;
  }

  private async outputs(engine: ResourceEngine<K>, id: string): Promise<Record<string, unknown>> {
    const found = await engine.read(id);
    if (!found) throw new ResourceGoneError(this.kind, id);
    return outputsFromLive(this.kind, found.live, found.credentials);
  }
}

/** JSON pointers of the values Pulumi has not computed yet. */
export function unknownPointers(value: unknown): string[] {
  return findUnknowns(value, isUnknown);
}

/** A refusal of the engine as the Pulumi resources report it (a subclass with Pulumi's code); anything else as it is. */
function pulumiError(err: unknown): unknown {
  if (err instanceof PulumiResourceError) return err;
  if (err instanceof engineErrors.ResourceExistsError) return new ResourceExistsError(err.kind as Kind, err.id, err.owner);
  if (err instanceof engineErrors.OwnerChangedError) return new NotOwnedError(err.kind as Kind, err.id, err.owner, err.expected);
  if (err instanceof engineErrors.ResourceGoneError) return new ResourceGoneError(err.kind as Kind, err.id);
  return err;
}

function isUnknown(value: unknown): boolean {
  return value === pulumi.runtime.unknownValue;
}
