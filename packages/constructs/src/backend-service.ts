import { Construct, type IConstruct } from 'constructs';
import { STAGES, type BackendEnvironmentInput, type BackendServiceInput, type FunctionTargetInput, type OssTarget, type Stage } from '@apigw/schema';
import { DuplicateEnvironmentError } from './errors';
import { brand, findStack, foreignReference, hasBrand, registerResource, unknownName, unknownProps, type CodedCheck, type RenderContext } from './private';
import type { IVpcAccess } from './vpc-access';

const BACKEND_SERVICE_BRAND = Symbol.for('@apigw/constructs.BackendService');

/** A backend service, defined in this stack or imported. */
export interface IBackendService extends IConstruct {
  /** The backend service's name. */
  readonly backendServiceName: string;
}

/** Kind of backend: it never changes after creation (a change replaces the service). */
export type BackendType = BackendServiceInput['type'];

/**
 * A backend service's definition for one environment. Which field applies
 * depends on the service's type: HTTP takes `url`, VPC takes `vpcAccess`
 * (and `https`), MOCK takes `mock`, FUNCTION takes `function`, OSS takes `oss`.
 */
export interface BackendEnvironmentOptions {
  /**
   * HTTP: the origin requests are sent to (scheme, host, port and an optional base path).
   *
   * @default none; required for HTTP services
   */
  readonly url?: BackendEnvironmentInput['url'];
  /**
   * VPC: the VPC access that authorizes the target.
   *
   * @default none; required for VPC services
   */
  readonly vpcAccess?: IVpcAccess;
  /**
   * VPC: reach the instance over HTTPS.
   *
   * @default plain HTTP
   */
  readonly https?: BackendEnvironmentInput['https'];
  /**
   * MOCK: the fixed answer the gateway serves.
   *
   * @default none; required for MOCK services
   */
  readonly mock?: BackendEnvironmentInput['mock'];
  /**
   * FUNCTION: the function compute function called.
   *
   * @default none; required for FUNCTION services
   */
  readonly function?: BackendEnvironmentInput['function'];
  /**
   * OSS: the bucket served.
   *
   * @default none; required for OSS services
   */
  readonly oss?: BackendEnvironmentInput['oss'];
}

/** Properties of a BackendService. */
export interface BackendServiceProps {
  /**
   * Name of the service: a letter, then letters, digits or underscores; 4 to 50 characters.
   *
   * @default the construct id
   */
  readonly backendServiceName?: string;
  /** Kind of backend. Changing it replaces the service. */
  readonly type: BackendType;
  /**
   * Free text for people, at most 180 characters.
   *
   * @default no description
   */
  readonly description?: string;
  /**
   * One definition per environment; more can be added with addEnvironment().
   *
   * @default no environments
   */
  readonly environments?: Partial<Record<Stage, BackendEnvironmentOptions>>;
}

/** What every backend-service helper takes besides its environments. */
interface ServiceHelperProps {
  /**
   * Name of the service: a letter, then letters, digits or underscores; 4 to 50 characters.
   *
   * @default the construct id
   */
  readonly backendServiceName?: string;
  /**
   * Free text for people, at most 180 characters.
   *
   * @default no description
   */
  readonly description?: string;
}

/** Properties of `BackendService.function()`: a Function Compute function per environment. */
export interface FunctionServiceProps extends ServiceHelperProps {
  /**
   * The function each environment calls: `{ service, function }`, and
   * optionally `qualifier` (LATEST), `region`, and `type: 'HTTP'` with the
   * trigger `url` for an HTTP function (EVENT functions get the API Gateway
   * event). The runtime resolves it through its functions.json.
   */
  readonly environments: Partial<Record<Stage, FunctionTargetInput>>;
}

/** Properties of `BackendService.oss()`: an OSS bucket per environment. */
export interface OssServiceProps extends ServiceHelperProps {
  /**
   * The bucket each environment serves: `{ bucket, region }`. An API's
   * backend path is the object key; `ossAction` picks the object action.
   */
  readonly environments: Partial<Record<Stage, OssTarget>>;
}

/**
 * A backend with one definition per environment (TEST, PRE, RELEASE). An API
 * published to a stage uses the definition of that stage when a request
 * arrives, so changing the RELEASE definition repoints every API published
 * to RELEASE at once.
 */
export class BackendService extends Construct implements IBackendService {
  /** True for a BackendService defined in a stack (not an import), even from another copy of this package. */
  static isBackendService(x: unknown): x is BackendService {
    return hasBrand(x, BACKEND_SERVICE_BRAND);
  }

  /** Refers to a backend service that exists outside this stack; the document lists it under `imports`. */
  static fromBackendServiceName(scope: Construct, id: string, backendServiceName: string): IBackendService {
    return new ImportedBackendService(scope, id, backendServiceName);
  }

  /**
   * A FUNCTION service: each environment names a Function Compute function.
   *
   * ```ts
   * const hello = BackendService.function(stack, 'hello', {
   *   environments: { RELEASE: { service: 'shop', function: 'hello' } },
   * });
   * ```
   */
  static function(scope: Construct, id: string, props: FunctionServiceProps): BackendService {
    return new BackendService(scope, id, { ...helperProps(props), type: 'FUNCTION', environments: environmentsOf(props.environments, (f) => ({ function: f })) });
  }

  /**
   * An OSS service: each environment names a bucket. APIs using it read and
   * write objects (their backend path is the key; `ossAction` the action).
   *
   * ```ts
   * const files = BackendService.oss(stack, 'files', { environments: { RELEASE: { bucket: 'shop-files' } } });
   * ```
   */
  static oss(scope: Construct, id: string, props: OssServiceProps): BackendService {
    return new BackendService(scope, id, { ...helperProps(props), type: 'OSS', environments: environmentsOf(props.environments, (o) => ({ oss: o })) });
  }

  readonly backendServiceName: string;
  /** Kind of backend. */
  readonly type: BackendType;
  private readonly description?: string;
  private readonly environments = new Map<Stage, BackendEnvironmentOptions>();

  constructor(scope: Construct, id: string, props: BackendServiceProps) {
    super(scope, id);
    findStack(this);
    brand(this, BACKEND_SERVICE_BRAND);
    this.backendServiceName = props.backendServiceName ?? id;
    this.type = props.type;
    this.description = props.description;
    for (const stage of STAGES) {
      const env = props.environments?.[stage];
      if (env) this.addEnvironment(stage, env);
    }
    this.typos = [
      ...unknownProps(props, 'BackendService', 'BackendService', { name: 'backendServiceName' }),
      ...Object.keys(props.environments ?? {})
        .filter((k) => !(STAGES as readonly string[]).includes(k))
        .map((k) => unknownName(`environments has no stage "${k}"`, k, STAGES, `/environments`)),
    ];
    registerResource(this, {
      kind: 'backendService',
      imported: false,
      identity: this.backendServiceName,
      render: (ctx) => this.render(ctx),
      checks: () => this.checks(),
    });
  }

  /**
   * Defines the service for one environment. Throws DuplicateEnvironmentError
   * when the environment already has a definition.
   *
   * @returns this service, for chaining
   */
  addEnvironment(stage: Stage, definition: BackendEnvironmentOptions): this {
    if (this.environments.has(stage)) throw new DuplicateEnvironmentError(this.node.path, stage);
    this.environments.set(stage, { ...definition });
    return this;
  }

  /** The environments the service has a definition for, in stage order. */
  get stages(): Stage[] {
    return STAGES.filter((s) => this.environments.has(s));
  }

  /** The definition for one environment, if any. */
  environment(stage: Stage): BackendEnvironmentOptions | undefined {
    const env = this.environments.get(stage);
    return env ? { ...env } : undefined;
  }

  private render(ctx: RenderContext): Record<string, unknown> {
    const environments: Record<string, BackendEnvironmentInput> = {};
    for (const stage of this.stages) {
      const { vpcAccess, ...rest } = this.environments.get(stage)!;
      environments[stage] = vpcAccess ? { ...rest, vpcAccess: ctx.ref('vpcAccess', vpcAccess, vpcAccess.vpcAccessName) } : rest;
    }
    return { name: this.backendServiceName, type: this.type, description: this.description, environments };
  }

  /** Props (and environment names) this construct does not know (misspellings). */
  private readonly typos: CodedCheck[];

  private checks(): CodedCheck[] {
    return [
      ...this.typos,
      ...this.stages.flatMap((stage) => {
        const vpc = this.environments.get(stage)!.vpcAccess;
        return vpc ? foreignReference(this, vpc, `/environments/${stage}/vpcAccess`, `VPC access ${vpc.vpcAccessName}`) : [];
      }),
    ];
  }
}

function helperProps(props: ServiceHelperProps): Pick<BackendServiceProps, 'backendServiceName' | 'description'> {
  return {
    ...(props.backendServiceName === undefined ? {} : { backendServiceName: props.backendServiceName }),
    ...(props.description === undefined ? {} : { description: props.description }),
  };
}

function environmentsOf<T>(targets: Partial<Record<Stage, T>>, wrap: (t: T) => BackendEnvironmentOptions): Partial<Record<Stage, BackendEnvironmentOptions>> {
  const out: Partial<Record<Stage, BackendEnvironmentOptions>> = {};
  for (const stage of STAGES) {
    const t = targets[stage];
    if (t !== undefined) out[stage] = wrap(t);
  }
  return out;
}

class ImportedBackendService extends Construct implements IBackendService {
  constructor(
    scope: Construct,
    id: string,
    readonly backendServiceName: string,
  ) {
    super(scope, id);
    findStack(this);
    registerResource(this, { kind: 'backendService', imported: true, identity: backendServiceName, render: () => ({}), checks: () => [] });
  }
}
