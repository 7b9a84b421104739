import { Construct, type IConstruct } from 'constructs';
import {
  apiId,
  sortStages,
  type ApiAuthInput,
  type ApiBackendInput,
  type ApiRequestInput,
  type ConstantParameter,
  type RequestParameterInput,
  type Stage,
  type SystemParameter,
} from '@apigw/schema';
import type { IApiGroup } from './api-group';
import type { IBackendService } from './backend-service';
import type { IPlugin, PluginAttachment } from './plugin';
import { brand, findStack, foreignReference, hasBrand, listOf, registerResource, unknownProps, type CodedCheck, type RenderContext } from './private';

const API_BRAND = Symbol.for('@apigw/constructs.Api');

/** An API, defined in this stack or imported. */
export interface IApi extends IConstruct {
  /** The API's name within its group. */
  readonly apiName: string;
  /** The name of the API's group. */
  readonly groupName: string;
  /** The API's identity, `group/name`, as authorizations refer to it. */
  readonly apiRef: string;
}

/** Where and how an API forwards requests. */
export interface ApiBackendOptions {
  /** The backend service requests go to; the stage picks its definition. */
  readonly service: IBackendService;
  /** Path on the backend; `{name}` takes the value of a parameter sent to the backend path. */
  readonly path: ApiBackendInput['path'];
  /**
   * Method sent to the backend.
   *
   * @default 'ANY' (the request's own method)
   */
  readonly method?: ApiBackendInput['method'];
  /**
   * OSS services: the object action each request performs on the key named
   * by `path` (GetObject, PutObject, PostObject, AppendObject, HeadObject,
   * GetObjectMeta, DeleteObject). It must fit the method (GET GetObject;
   * PUT PutObject; POST PostObject or AppendObject; HEAD HeadObject or
   * GetObjectMeta; DELETE DeleteObject).
   *
   * @default derived from the method of each request
   */
  readonly ossAction?: ApiBackendInput['ossAction'];
  /**
   * How long the backend may take to answer before the gateway answers 504 (1 to 60000).
   *
   * @default 10000
   */
  readonly timeoutMs?: ApiBackendInput['timeoutMs'];
  /**
   * Fixed values sent with every request; more with addConstantParameter().
   *
   * @default none
   */
  readonly constantParameters?: readonly ConstantParameter[];
  /**
   * Values the gateway knows (client IP, request id...) sent with every request; more with addSystemParameter().
   *
   * @default none
   */
  readonly systemParameters?: readonly SystemParameter[];
}

/** What requests an API answers. */
export interface ApiRequestOptions {
  /**
   * Protocols the API is served on.
   *
   * @default ['HTTP']
   */
  readonly protocols?: ApiRequestInput['protocols'];
  /** HTTP method; ANY answers every method. */
  readonly method: ApiRequestInput['method'];
  /** Path under the group's base path; `{name}` is a one-segment path parameter. */
  readonly path: ApiRequestInput['path'];
  /**
   * Also answer every path below this one; the remainder is appended to the backend path.
   *
   * @default false
   */
  readonly matchAllChildPaths?: ApiRequestInput['matchAllChildPaths'];
  /**
   * PASSTHROUGH forwards the request as it is; MAPPING forwards only the declared parameters, checked and mapped.
   *
   * @default 'PASSTHROUGH'
   */
  readonly mode?: ApiRequestInput['mode'];
  /**
   * Declared request parameters; more with addParameter(). Every `{name}`
   * of the path must be declared as a PATH parameter.
   *
   * @default none
   */
  readonly parameters?: readonly RequestParameterInput[];
}

/** How callers of an API authenticate. */
export interface ApiAuthOptions {
  /**
   * APP: callers are authorized apps that sign requests (or present an AppCode). ANONYMOUS: anyone may call.
   *
   * @default 'APP'
   */
  readonly type?: ApiAuthInput['type'];
  /**
   * Whether an AppCode may be presented instead of a signature: in the
   * Authorization header (HEADER), or also as the AppCode query parameter (HEADER_QUERY).
   *
   * @default 'DISABLED'
   */
  readonly appCode?: ApiAuthInput['appCode'];
  /**
   * Signature algorithms accepted.
   *
   * @default 'HmacSHA256'
   */
  readonly signatureMethod?: ApiAuthInput['signatureMethod'];
  /**
   * Require X-Ca-Nonce, each nonce accepted once within the 15-minute timestamp window.
   *
   * @default false
   */
  readonly antiReplay?: ApiAuthInput['antiReplay'];
}

/** Options of an API created with `group.addApi()`. */
export interface ApiOptions {
  /**
   * Name of the API within its group: a letter, then letters, digits or underscores; 4 to 50 characters.
   *
   * @default the construct id
   */
  readonly apiName?: string;
  /**
   * Free text for people, at most 180 characters.
   *
   * @default no description
   */
  readonly description?: string;
  /**
   * How callers authenticate.
   *
   * @default `{ type: 'APP' }`: authorized apps sign requests with HmacSHA256; no AppCode; no anti-replay
   */
  readonly auth?: ApiAuthOptions;
  /** What requests the API answers. */
  readonly request: ApiRequestOptions;
  /** Where and how the API forwards requests. */
  readonly backend: ApiBackendOptions;
  /**
   * Stages the API is published to; more with publish().
   *
   * @default not published
   */
  readonly stages?: readonly Stage[];
}

/** Properties of an Api. */
export interface ApiProps extends ApiOptions {
  /** The group the API belongs to. Moving an API to another group replaces it. */
  readonly group: IApiGroup;
}

/**
 * An API of a group: the requests it answers, how callers authenticate,
 * and where requests go. It serves in the stages it is published to.
 *
 * ```ts
 * const getUser = shop.addApi('getUser', {
 *   request: { method: 'GET', path: '/users/{id}', mode: 'MAPPING',
 *              parameters: [{ name: 'id', in: 'PATH', required: true }] },
 *   backend: { service: users, path: '/v1/users/{id}' },
 * });
 * getUser.publish('TEST', 'RELEASE');
 * ```
 */
export class Api extends Construct implements IApi {
  /** True for an Api defined in a stack (not an import), even from another copy of this package. */
  static isApi(x: unknown): x is Api {
    return hasBrand(x, API_BRAND);
  }

  /** Refers to an API that exists outside this stack; the document lists it under `imports`. */
  static fromApiName(scope: Construct, id: string, group: IApiGroup | string, apiName: string): IApi {
    return new ImportedApi(scope, id, typeof group === 'string' ? group : group.groupName, apiName);
  }

  readonly apiName: string;
  /** The group the API belongs to. */
  readonly group: IApiGroup;
  private readonly description?: string;
  private readonly auth?: ApiAuthOptions;
  private readonly request: Omit<ApiRequestOptions, 'parameters'>;
  private readonly parameters: RequestParameterInput[];
  private readonly backend: Omit<ApiBackendOptions, 'constantParameters' | 'systemParameters'>;
  private readonly constantParameters: ConstantParameter[];
  private readonly systemParameters: SystemParameter[];
  private readonly published = new Set<Stage>();

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    findStack(this);
    brand(this, API_BRAND);
    this.apiName = props.apiName ?? id;
    this.group = props.group;
    this.description = props.description;
    this.auth = props.auth ? { ...props.auth } : undefined;
    const { parameters, ...request } = props.request;
    this.request = { ...request };
    this.parameters = listOf(parameters).map((p) => ({ ...p }));
    const { constantParameters, systemParameters, ...backend } = props.backend;
    this.backend = { ...backend };
    this.constantParameters = listOf(constantParameters).map((p) => ({ ...p }));
    this.systemParameters = listOf(systemParameters).map((p) => ({ ...p }));
    this.publish(...listOf(props.stages));
    this.typos = unknownProps(props, 'Api', 'Api', { name: 'apiName' });
    registerResource(this, {
      kind: 'api',
      imported: false,
      identity: this.apiRef,
      render: (ctx) => this.render(ctx),
      checks: () => this.checks(),
    });
  }

  /** The name of the API's group. */
  get groupName(): string {
    return this.group.groupName;
  }

  /** The API's identity, `group/name`. */
  get apiRef(): string {
    return apiId({ group: this.groupName, name: this.apiName });
  }

  /** The stages the API is published to, in stage order. */
  get stages(): Stage[] {
    return sortStages([...this.published]);
  }

  /**
   * Publishes the API to more stages. The reconciler publishes the current
   * definition to each, and republishes after every change.
   *
   * @returns this API, for chaining
   */
  publish(...stages: Stage[]): this {
    for (const stage of stages) this.published.add(stage);
    return this;
  }

  /**
   * Makes `plugin` act on this API in `stages`; the API's own plugin beats
   * its group's plugin of the same type.
   *
   * @returns the attachment
   */
  addPlugin(plugin: IPlugin, stages: readonly Stage[]): PluginAttachment {
    return plugin.attach(this, stages);
  }

  /** Declares one more request parameter. @returns this API, for chaining */
  addParameter(parameter: RequestParameterInput): this {
    this.parameters.push({ ...parameter });
    return this;
  }

  /** Sends one more fixed value to the backend with every request. @returns this API, for chaining */
  addConstantParameter(parameter: ConstantParameter): this {
    this.constantParameters.push({ ...parameter });
    return this;
  }

  /** Sends one more gateway-known value to the backend with every request. @returns this API, for chaining */
  addSystemParameter(parameter: SystemParameter): this {
    this.systemParameters.push({ ...parameter });
    return this;
  }

  private render(ctx: RenderContext): Record<string, unknown> {
    const { service, ...backend } = this.backend;
    return {
      group: ctx.ref('group', this.group, this.groupName),
      name: this.apiName,
      description: this.description,
      auth: this.auth,
      request: { ...this.request, parameters: this.parameters.map((p) => ({ ...p })) },
      backend: {
        ...backend,
        service: ctx.ref('backendService', service, service.backendServiceName),
        constantParameters: this.constantParameters.map((p) => ({ ...p })),
        systemParameters: this.systemParameters.map((p) => ({ ...p })),
      },
      stages: this.stages,
    };
  }

  /** Props this construct does not know (misspellings). */
  private readonly typos: CodedCheck[];

  private checks(): CodedCheck[] {
    return [
      ...this.typos,
      ...foreignReference(this, this.group, '/group', `group ${this.groupName}`),
      ...foreignReference(this, this.backend.service, '/backend/service', `backend service ${this.backend.service.backendServiceName}`),
    ];
  }
}

class ImportedApi extends Construct implements IApi {
  constructor(
    scope: Construct,
    id: string,
    readonly groupName: string,
    readonly apiName: string,
  ) {
    super(scope, id);
    findStack(this);
    registerResource(this, { kind: 'api', imported: true, identity: this.apiRef, render: () => ({}), checks: () => [] });
  }

  get apiRef(): string {
    return apiId({ group: this.groupName, name: this.apiName });
  }
}
