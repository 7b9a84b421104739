/**
 * ApigwResources: an apigw GatewayStack placed inside a CDKTF
 * TerraformStack, each resource becoming the generated CDKTF resource of its
 * kind, with references between resources kept as Terraform references.
 */
import { Construct } from 'constructs';
import { TerraformProvider, TerraformStack } from 'cdktf';
import type { GatewayStack } from '@apigw/constructs';
import { KINDS, identityFields, referencesOf, resourceId, resourcesOf, type GatewayDocument, type Kind, type KindSpecs } from '@apigw/schema';
import { resourceTypeOf, type TfBlock } from '../terraform/provider-schema';
import { isObject, pointerToPath, toTf, type TfObject, type TfValue } from '../terraform/values';
import { Api } from './generated/api';
import { ApiGroup } from './generated/api-group';
import { App } from './generated/app';
import { Authorization } from './generated/authorization';
import { BackendService } from './generated/backend-service';
import { Plugin } from './generated/plugin';
import { PluginAttachment } from './generated/plugin-attachment';
import { ApigwProvider } from './generated/provider';
import { VpcAccess } from './generated/vpc-access';
import { toCdktfConfig } from './naming';

/** Options of ApigwResources. */
export interface ApigwResourcesOptions {
  /**
   * The apigw provider the resources use.
   *
   * @default the stack's apigw provider without alias; one is created, with
   * `stack` set to the gateway stack's name, when the stack has none
   */
  readonly provider?: TerraformProvider;
}

/** The generated CDKTF class of each kind. */
interface ResourceClasses {
  vpcAccess: VpcAccess;
  backendService: BackendService;
  group: ApiGroup;
  api: Api;
  app: App;
  authorization: Authorization;
  plugin: Plugin;
  pluginAttachment: PluginAttachment;
}

type AnyResource = ResourceClasses[Kind];
type ResourceConstructor = new (scope: Construct, id: string, config: never) => AnyResource;

const CLASSES: Readonly<Record<Kind, ResourceConstructor>> = {
  vpcAccess: VpcAccess as unknown as ResourceConstructor,
  backendService: BackendService as unknown as ResourceConstructor,
  group: ApiGroup as unknown as ResourceConstructor,
  api: Api as unknown as ResourceConstructor,
  app: App as unknown as ResourceConstructor,
  authorization: Authorization as unknown as ResourceConstructor,
  plugin: Plugin as unknown as ResourceConstructor,
  pluginAttachment: PluginAttachment as unknown as ResourceConstructor,
};

/**
 * The resources of an apigw GatewayStack inside a CDKTF TerraformStack:
 * the gateway stack is synthesized (validated like every apigw document)
 * and each resource becomes the matching generated CDKTF resource
 * (`apigw_api`, ...). References between resources become Terraform
 * references (an API's `group` is `apigw_api_group.<x>.name`), so
 * Terraform orders creation and deletion by them. One construct program
 * thus serves `apigw apply`, Pulumi and `cdktf deploy`.
 *
 * ```ts
 * class Shop extends TerraformStack {
 *   constructor(scope: Construct, id: string) {
 *     super(scope, id);
 *     const gateway = defineShop(new GatewayStack('shop'));
 *     new ApigwResources(this, 'gateway', gateway);
 *   }
 * }
 * ```
 *
 * The gateway stack is read when this construct is created: define it
 * completely first.
 */
export class ApigwResources extends Construct {
  /** The synthesized apigw document the resources come from. */
  readonly document: GatewayDocument;
  /** The provider the resources use. */
  readonly provider: TerraformProvider;
  readonly vpcAccesses: ReadonlyMap<string, VpcAccess>;
  readonly backendServices: ReadonlyMap<string, BackendService>;
  readonly groups: ReadonlyMap<string, ApiGroup>;
  /** By API identity (`group/name`). */
  readonly apis: ReadonlyMap<string, Api>;
  readonly apps: ReadonlyMap<string, App>;
  /** By authorization identity (`app:group/name`). */
  readonly authorizations: ReadonlyMap<string, Authorization>;

  constructor(scope: Construct, id: string, gateway: GatewayStack, options: ApigwResourcesOptions = {}) {
    super(scope, id);
    this.document = gateway.synth();
    this.provider = options.provider ?? findProvider(scope) ?? new ApigwProvider(this, 'provider', { stack: this.document.stack });

    const made = new Map<Kind, Map<string, AnyResource>>(KINDS.map(({ kind }) => [kind, new Map()]));
    const ref = <K extends Kind>(kind: K, name: string, attribute: 'name' | 'id'): string => {
      const target = made.get(kind)?.get(name) as { name: string; id: string } | undefined;
      return target ? target[attribute] : name;
    };

    for (const { kind } of KINDS) {
      const rt = resourceTypeOf(kind);
      for (const spec of resourcesOf(this.document, kind) as KindSpecs[Kind][]) {
        const identity = resourceId(kind, spec);
        const value = toTf(rt.block, spec as unknown as Record<string, unknown>);
        linkReferences(kind, spec, rt.block, value, ref);
        const config = { ...toCdktfConfig(rt.block, value), provider: this.provider };
        const resource = new CLASSES[kind](this, `${rt.typeName.replace(/^apigw_/, '')}_${identity.replace(/[/:]/g, '_')}`, config as never);
        made.get(kind)!.set(identity, resource);
      }
    }
    this.vpcAccesses = made.get('vpcAccess') as Map<string, VpcAccess>;
    this.backendServices = made.get('backendService') as Map<string, BackendService>;
    this.groups = made.get('group') as Map<string, ApiGroup>;
    this.apis = made.get('api') as Map<string, Api>;
    this.apps = made.get('app') as Map<string, App>;
    this.authorizations = made.get('authorization') as Map<string, Authorization>;
  }
}

/** The stack's apigw provider without alias, if it has one. */
function findProvider(scope: Construct): TerraformProvider | undefined {
  return TerraformStack.of(scope)
    .node.findAll()
    .find((c): c is TerraformProvider => c instanceof TerraformProvider && c.terraformResourceType === 'apigw' && c.alias === undefined);
}

type Ref = <K extends Kind>(kind: K, name: string, attribute: 'name' | 'id') => string;

/**
 * Replaces names of resources defined alongside with Terraform references
 * to them: every reference the kind's registry entry lists (its pointer
 * read as a Terraform path), to the target's `name` when its identity is
 * its name, else to its `id` (an API's `group/name`).
 */
function linkReferences(kind: Kind, spec: KindSpecs[Kind], block: TfBlock, value: TfObject, ref: Ref): void {
  for (const r of referencesOf(kind, spec)) {
    const steps = pointerToPath(block, r.pointer);
    const last = steps[steps.length - 1];
    if (!last || !('attribute_name' in last)) continue;
    let at: TfValue | undefined = value;
    for (const s of steps.slice(0, -1))
      at = 'attribute_name' in s ? (isObject(at) ? at[s.attribute_name] : undefined) : 'element_key_int' in s ? (Array.isArray(at) ? at[s.element_key_int] : undefined) : undefined;
    if (!isObject(at) || at[last.attribute_name] !== r.id) continue;
    const byName = identityFields(r.kind).length === 1 && identityFields(r.kind)[0] === 'name';
    at[last.attribute_name] = ref(r.kind, r.id, byName ? 'name' : 'id');
  }
}
