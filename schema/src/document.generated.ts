/* eslint-disable */
/**
 * Generated from gateway.schema.json by scripts/generate-types.js. Do not edit:
 * change the schema and run `npm run generate -w @apigw/schema`.
 *
 * `Xxx` is a validated document part with every default filled in;
 * `XxxInput` is what a user may write (defaulted fields optional).
 */
/**
 * A resource name: starts with a letter; letters, digits and underscores; 4 to 50 characters.
 */
export type Name = string;
/**
 * Free text for people; at most 180 characters.
 */
export type Description = string;
/**
 * Type a parameter's value must parse as.
 */
export type ParameterType = 'STRING' | 'INT' | 'LONG' | 'FLOAT' | 'DOUBLE' | 'BOOLEAN';
/**
 * An environment an API is published to.
 */
export type Stage = 'TEST' | 'PRE' | 'RELEASE';
/**
 * A set of stages.
 */
export type Stages = Stage[];
/**
 * An API's identity: its group name and its name joined by a slash.
 */
export type ApiRef = string;
/**
 * An HTTP header name (an RFC 9110 token).
 */
export type HeaderName = string;
/**
 * A set of resource names.
 */
export type NameSet = Name[];

/**
 * An API of a group. Editing it changes nothing live until it is published again; the reconciler republishes it to every listed stage after a change. Moving it to another group replaces it.
 */
export interface Api {
  group: Name;
  name: Name;
  description?: Description;
  auth: ApiAuth;
  request: ApiRequest;
  backend: ApiBackend;
  stages: Stages;
}
/**
 * How callers of an API authenticate.
 */
export interface ApiAuth {
  /**
   * APP: callers are authorized apps that sign requests (or present an AppCode). ANONYMOUS: anyone may call.
   */
  type: 'APP' | 'ANONYMOUS';
  /**
   * Whether an AppCode may be presented instead of a signature: in the Authorization header (HEADER) or also as the AppCode query parameter (HEADER_QUERY).
   */
  appCode: 'DISABLED' | 'HEADER' | 'HEADER_QUERY';
  /**
   * Signature algorithms accepted: one of them, or both.
   */
  signatureMethod: 'HmacSHA256' | 'HmacSHA1' | 'HmacSHA1,HmacSHA256';
  /**
   * Require X-Ca-Nonce, each nonce accepted once within the 15-minute timestamp window.
   */
  antiReplay: boolean;
}
/**
 * What requests the API answers.
 */
export interface ApiRequest {
  /**
   * Protocols the API is served on.
   *
   * @minItems 1
   */
  protocols: ['HTTP' | 'HTTPS', ...('HTTP' | 'HTTPS')[]];
  /**
   * HTTP method; ANY answers every method.
   */
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'HEAD' | 'OPTIONS' | 'ANY';
  /**
   * Path under the group's base path; {name} is a one-segment path parameter.
   */
  path: string;
  /**
   * Also answer every path below this one; the remainder is appended to the backend path.
   */
  matchAllChildPaths: boolean;
  /**
   * PASSTHROUGH forwards the request as it is; MAPPING forwards only the declared parameters, checked and mapped.
   */
  mode: 'PASSTHROUGH' | 'MAPPING';
  /**
   * Declared request parameters. Every {name} in the path must be declared as a PATH parameter.
   *
   * @maxItems 100
   */
  parameters: RequestParameter[];
}
/**
 * A parameter of the request (used in MAPPING mode).
 */
export interface RequestParameter {
  /**
   * Name of the parameter in the request.
   */
  name: string;
  /**
   * Where the parameter is: path, query string, header or form body.
   */
  in: 'PATH' | 'QUERY' | 'HEAD' | 'BODY';
  type: ParameterType;
  /**
   * Reject requests without the parameter. Path parameters are always required.
   */
  required: boolean;
  /**
   * Value used when the request omits the parameter; must parse as the type.
   */
  default?: string;
  /**
   * Name under which the backend receives the parameter; the request name when absent.
   */
  backendName?: string;
  /**
   * Where the backend receives the parameter; the request location when absent.
   */
  backendIn?: 'PATH' | 'QUERY' | 'HEAD' | 'BODY';
  description?: Description;
}
/**
 * Where and how the API forwards requests.
 */
export interface ApiBackend {
  service: Name;
  /**
   * Path on the backend; {name} takes the value of a path parameter.
   */
  path: string;
  /**
   * Method sent to the backend; ANY sends the request's own method.
   */
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'HEAD' | 'OPTIONS' | 'ANY';
  /**
   * OSS backends: the object action a request performs on the key named by path. Derived from the method when absent (GET GetObject, PUT PutObject, POST PostObject or, with ?append, AppendObject, HEAD HeadObject, DELETE DeleteObject).
   */
  ossAction?:
    | 'GetObject'
    | 'PutObject'
    | 'PostObject'
    | 'AppendObject'
    | 'HeadObject'
    | 'GetObjectMeta'
    | 'DeleteObject';
  /**
   * How long the backend may take to answer before the gateway answers 504.
   */
  timeoutMs: number;
  /**
   * Fixed values sent with every request.
   *
   * @maxItems 50
   */
  constantParameters: ConstantParameter[];
  /**
   * Gateway-known values sent with every request.
   *
   * @maxItems 50
   */
  systemParameters: SystemParameter[];
}
/**
 * A fixed value sent to the backend with every request.
 */
export interface ConstantParameter {
  /**
   * Name under which the backend receives it.
   */
  name: string;
  /**
   * Header or query string.
   */
  in: 'HEAD' | 'QUERY';
  /**
   * The value.
   */
  value: string;
  description?: Description;
}
/**
 * A value the gateway knows about the request (client IP, request id, app key...) sent to the backend.
 */
export interface SystemParameter {
  /**
   * Which system value.
   */
  name:
    | 'CaClientIp'
    | 'CaDomain'
    | 'CaRequestHandleTime'
    | 'CaAppId'
    | 'CaAppKey'
    | 'CaRequestId'
    | 'CaHttpSchema'
    | 'CaProxy'
    | 'CaApiName'
    | 'CaClientUa'
    | 'CaStage'
    | 'CaInstanceId';
  /**
   * Header or query string.
   */
  in: 'HEAD' | 'QUERY';
  /**
   * Name under which the backend receives it.
   */
  as: string;
}
/**
 * How callers of an API authenticate.
 */
export interface ApiAuthInput {
  /**
   * APP: callers are authorized apps that sign requests (or present an AppCode). ANONYMOUS: anyone may call.
   */
  type?: 'APP' | 'ANONYMOUS';
  /**
   * Whether an AppCode may be presented instead of a signature: in the Authorization header (HEADER) or also as the AppCode query parameter (HEADER_QUERY).
   */
  appCode?: 'DISABLED' | 'HEADER' | 'HEADER_QUERY';
  /**
   * Signature algorithms accepted: one of them, or both.
   */
  signatureMethod?: 'HmacSHA256' | 'HmacSHA1' | 'HmacSHA1,HmacSHA256';
  /**
   * Require X-Ca-Nonce, each nonce accepted once within the 15-minute timestamp window.
   */
  antiReplay?: boolean;
}
/**
 * Where and how the API forwards requests.
 */
export interface ApiBackendInput {
  service: Name;
  /**
   * Path on the backend; {name} takes the value of a path parameter.
   */
  path: string;
  /**
   * Method sent to the backend; ANY sends the request's own method.
   */
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'HEAD' | 'OPTIONS' | 'ANY';
  /**
   * OSS backends: the object action a request performs on the key named by path. Derived from the method when absent (GET GetObject, PUT PutObject, POST PostObject or, with ?append, AppendObject, HEAD HeadObject, DELETE DeleteObject).
   */
  ossAction?:
    | 'GetObject'
    | 'PutObject'
    | 'PostObject'
    | 'AppendObject'
    | 'HeadObject'
    | 'GetObjectMeta'
    | 'DeleteObject';
  /**
   * How long the backend may take to answer before the gateway answers 504.
   */
  timeoutMs?: number;
  /**
   * Fixed values sent with every request.
   *
   * @maxItems 50
   */
  constantParameters?: ConstantParameter[];
  /**
   * Gateway-known values sent with every request.
   *
   * @maxItems 50
   */
  systemParameters?: SystemParameter[];
}
/**
 * A group of APIs served under a base path on the group's domains.
 */
export interface ApiGroup {
  name: Name;
  description?: Description;
  /**
   * Path prefix of every API of the group.
   */
  basePath: string;
  /**
   * Host names that route to the group.
   *
   * @maxItems 100
   */
  domains: string[];
  /**
   * TLS certificates for some of the domains; HTTPS is served for those.
   */
  certificates: Certificate[];
}
/**
 * A TLS certificate served for one of the group's domains.
 */
export interface Certificate {
  /**
   * The bound domain this certificate is served for (selected by SNI).
   */
  domain: string;
  /**
   * PEM certificate chain.
   */
  certificatePem: string;
  /**
   * PEM private key. A secret: it is stored by the gateway and never appears in plans, exports or logs.
   */
  privateKeyPem: string;
}
/**
 * A group of APIs served under a base path on the group's domains.
 */
export interface ApiGroupInput {
  name: Name;
  description?: Description;
  /**
   * Path prefix of every API of the group.
   */
  basePath?: string;
  /**
   * Host names that route to the group.
   *
   * @maxItems 100
   */
  domains?: string[];
  /**
   * TLS certificates for some of the domains; HTTPS is served for those.
   */
  certificates?: Certificate[];
}
/**
 * An API of a group. Editing it changes nothing live until it is published again; the reconciler republishes it to every listed stage after a change. Moving it to another group replaces it.
 */
export interface ApiInput {
  group: Name;
  name: Name;
  description?: Description;
  auth?: ApiAuthInput;
  request: ApiRequestInput;
  backend: ApiBackendInput;
  stages?: Stages;
}
/**
 * What requests the API answers.
 */
export interface ApiRequestInput {
  /**
   * Protocols the API is served on.
   *
   * @minItems 1
   */
  protocols?: ['HTTP' | 'HTTPS', ...('HTTP' | 'HTTPS')[]];
  /**
   * HTTP method; ANY answers every method.
   */
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'HEAD' | 'OPTIONS' | 'ANY';
  /**
   * Path under the group's base path; {name} is a one-segment path parameter.
   */
  path: string;
  /**
   * Also answer every path below this one; the remainder is appended to the backend path.
   */
  matchAllChildPaths?: boolean;
  /**
   * PASSTHROUGH forwards the request as it is; MAPPING forwards only the declared parameters, checked and mapped.
   */
  mode?: 'PASSTHROUGH' | 'MAPPING';
  /**
   * Declared request parameters. Every {name} in the path must be declared as a PATH parameter.
   *
   * @maxItems 100
   */
  parameters?: RequestParameterInput[];
}
/**
 * A parameter of the request (used in MAPPING mode).
 */
export interface RequestParameterInput {
  /**
   * Name of the parameter in the request.
   */
  name: string;
  /**
   * Where the parameter is: path, query string, header or form body.
   */
  in: 'PATH' | 'QUERY' | 'HEAD' | 'BODY';
  type?: ParameterType;
  /**
   * Reject requests without the parameter. Path parameters are always required.
   */
  required?: boolean;
  /**
   * Value used when the request omits the parameter; must parse as the type.
   */
  default?: string;
  /**
   * Name under which the backend receives the parameter; the request name when absent.
   */
  backendName?: string;
  /**
   * Where the backend receives the parameter; the request location when absent.
   */
  backendIn?: 'PATH' | 'QUERY' | 'HEAD' | 'BODY';
  description?: Description;
}
/**
 * A calling application. The gateway generates its AppKey, AppSecret and AppCode.
 */
export interface App {
  name: Name;
  description?: Description;
}
/**
 * Grants an app the right to call an API in some stages, optionally until a time. Identified by app and API.
 */
export interface Authorization {
  app: Name;
  api: ApiRef;
  stages: Stages;
  /**
   * When the grant ends (RFC 3339 date-time); never when absent.
   */
  expiresAt?: string;
  description?: Description;
}
/**
 * A backend service's definition for one environment. Which field is required depends on the service type: HTTP needs url, VPC needs vpcAccess, MOCK needs mock, FUNCTION needs function, OSS needs oss.
 */
export interface BackendEnvironment {
  /**
   * HTTP: the origin requests are sent to (scheme, host, port and an optional base path).
   */
  url?: string;
  vpcAccess?: Name;
  /**
   * VPC: reach the instance over HTTPS.
   */
  https?: boolean;
  mock?: MockResponse;
  function?: FunctionTarget;
  oss?: OssTarget;
}
/**
 * A fixed answer served by the gateway itself.
 */
export interface MockResponse {
  /**
   * HTTP status of the mock answer.
   */
  statusCode: number;
  /**
   * Body of the mock answer.
   */
  body: string;
  /**
   * Headers of the mock answer.
   */
  headers: {
    [k: string]: string | undefined;
  };
}
/**
 * A function compute function. The runtime resolves service, function and qualifier through its functions.json (local handler code or an invoke URL); an HTTP function is reached at its trigger URL.
 */
export interface FunctionTarget {
  /**
   * EVENT: the gateway invokes the function with an API Gateway event and relays the result it returns. HTTP: the function has an HTTP trigger at url, proxied like an HTTP backend.
   */
  type: 'EVENT' | 'HTTP';
  /**
   * Region of the function.
   */
  region?: string;
  /**
   * Service the function belongs to.
   */
  service: string;
  /**
   * Function name.
   */
  function: string;
  /**
   * Version or alias.
   */
  qualifier: string;
  /**
   * HTTP functions: the trigger URL requests are proxied to (scheme, host, port and an optional base path).
   */
  url?: string;
}
/**
 * An object storage bucket.
 */
export interface OssTarget {
  /**
   * Region of the bucket.
   */
  region?: string;
  /**
   * Bucket name.
   */
  bucket: string;
}
/**
 * A backend service's definition for one environment. Which field is required depends on the service type: HTTP needs url, VPC needs vpcAccess, MOCK needs mock, FUNCTION needs function, OSS needs oss.
 */
export interface BackendEnvironmentInput {
  /**
   * HTTP: the origin requests are sent to (scheme, host, port and an optional base path).
   */
  url?: string;
  vpcAccess?: Name;
  /**
   * VPC: reach the instance over HTTPS.
   */
  https?: boolean;
  mock?: MockResponseInput;
  function?: FunctionTargetInput;
  oss?: OssTarget;
}
/**
 * A fixed answer served by the gateway itself.
 */
export interface MockResponseInput {
  /**
   * HTTP status of the mock answer.
   */
  statusCode: number;
  /**
   * Body of the mock answer.
   */
  body?: string;
  /**
   * Headers of the mock answer.
   */
  headers?: {
    [k: string]: string | undefined;
  };
}
/**
 * A function compute function. The runtime resolves service, function and qualifier through its functions.json (local handler code or an invoke URL); an HTTP function is reached at its trigger URL.
 */
export interface FunctionTargetInput {
  /**
   * EVENT: the gateway invokes the function with an API Gateway event and relays the result it returns. HTTP: the function has an HTTP trigger at url, proxied like an HTTP backend.
   */
  type?: 'EVENT' | 'HTTP';
  /**
   * Region of the function.
   */
  region?: string;
  /**
   * Service the function belongs to.
   */
  service: string;
  /**
   * Function name.
   */
  function: string;
  /**
   * Version or alias.
   */
  qualifier?: string;
  /**
   * HTTP functions: the trigger URL requests are proxied to (scheme, host, port and an optional base path).
   */
  url?: string;
}
/**
 * A backend with one definition per environment. APIs published to a stage follow the definition for that stage at request time.
 */
export interface BackendService {
  name: Name;
  /**
   * Kind of backend; it never changes after creation (a change replaces the service).
   */
  type: 'HTTP' | 'VPC' | 'MOCK' | 'FUNCTION' | 'OSS';
  description?: Description;
  /**
   * One definition per environment.
   */
  environments: {
    TEST?: BackendEnvironment;
    PRE?: BackendEnvironment;
    RELEASE?: BackendEnvironment;
  };
}
/**
 * A backend with one definition per environment. APIs published to a stage follow the definition for that stage at request time.
 */
export interface BackendServiceInput {
  name: Name;
  /**
   * Kind of backend; it never changes after creation (a change replaces the service).
   */
  type: 'HTTP' | 'VPC' | 'MOCK' | 'FUNCTION' | 'OSS';
  description?: Description;
  /**
   * One definition per environment.
   */
  environments?: {
    TEST?: BackendEnvironmentInput;
    PRE?: BackendEnvironmentInput;
    RELEASE?: BackendEnvironmentInput;
  };
}
/**
 * Which browser origins may call: the gateway answers preflight requests and adds Access-Control-* headers to every answer to an allowed origin.
 */
export interface Cors {
  /**
   * Origins allowed to call (`https://shop.example`, with a port when not the default), or `*` for any (never with allowCredentials).
   *
   * @minItems 1
   * @maxItems 100
   */
  allowOrigins: [string, ...string[]];
  /**
   * Methods a preflight allows.
   *
   * @minItems 1
   */
  allowMethods: [
    'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'HEAD' | 'OPTIONS',
    ...('GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'HEAD' | 'OPTIONS')[]
  ];
  /**
   * Request headers a preflight allows.
   *
   * @maxItems 100
   */
  allowHeaders: HeaderName[];
  /**
   * Response headers a page may read.
   *
   * @maxItems 100
   */
  exposeHeaders: HeaderName[];
  /**
   * Seconds a browser may cache a preflight answer.
   */
  maxAge: number;
  /**
   * Whether pages may send cookies and HTTP authentication (Access-Control-Allow-Credentials).
   */
  allowCredentials: boolean;
}
/**
 * Which browser origins may call: the gateway answers preflight requests and adds Access-Control-* headers to every answer to an allowed origin.
 */
export interface CorsInput {
  /**
   * Origins allowed to call (`https://shop.example`, with a port when not the default), or `*` for any (never with allowCredentials).
   *
   * @minItems 1
   * @maxItems 100
   */
  allowOrigins: [string, ...string[]];
  /**
   * Methods a preflight allows.
   *
   * @minItems 1
   */
  allowMethods?: [
    'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'HEAD' | 'OPTIONS',
    ...('GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'HEAD' | 'OPTIONS')[]
  ];
  /**
   * Request headers a preflight allows.
   *
   * @maxItems 100
   */
  allowHeaders?: HeaderName[];
  /**
   * Response headers a page may read.
   *
   * @maxItems 100
   */
  exposeHeaders?: HeaderName[];
  /**
   * Seconds a browser may cache a preflight answer.
   */
  maxAge?: number;
  /**
   * Whether pages may send cookies and HTTP authentication (Access-Control-Allow-Credentials).
   */
  allowCredentials?: boolean;
}
/**
 * The desired state of one stack of an API gateway: what the reconciler makes the running gateway match. Resources are identified by name (an API by group/name); a rename is a delete and a create.
 */
export interface GatewayDocument {
  /**
   * Version of the document format.
   */
  apiVersion: 'apigw/v1';
  /**
   * Name of the stack that owns every resource this document creates. The reconciler never touches resources owned by another stack.
   */
  stack: string;
  /**
   * VPC access authorizations: the instances and ports inside a VPC that the gateway may reach.
   */
  vpcAccesses: VpcAccess[];
  /**
   * Backend services, each with one definition per environment (stage).
   */
  backendServices: BackendService[];
  /**
   * API groups: a base path and the domains that route to it.
   */
  groups: ApiGroup[];
  /**
   * APIs, each in a group, with the stages it is published to.
   */
  apis: Api[];
  /**
   * Calling applications. Their AppKey, AppSecret and AppCode are generated by the gateway and never appear in the document.
   */
  apps: App[];
  /**
   * Grants of an app to call an API in some stages.
   */
  authorizations: Authorization[];
  /**
   * Traffic policies (throttling, IP access control, CORS, JWT), each of one type; they act on the APIs and groups that plugin attachments bind them to.
   */
  plugins: Plugin[];
  /**
   * Bindings of a plugin to an API or a whole group, in some stages.
   */
  pluginAttachments: PluginAttachment[];
  imports?: Imports;
}
/**
 * Authorizes the gateway to reach one port of one instance in a VPC. Every field but the description is part of the key: changing it replaces the authorization.
 */
export interface VpcAccess {
  name: Name;
  /**
   * The VPC's id.
   */
  vpcId: string;
  /**
   * The instance id (resolved to an address by the runtime's inventory) or a private IPv4 address.
   */
  instanceId: string;
  /**
   * The instance's port the gateway may reach.
   */
  port: number;
  /**
   * Host header sent to the instance; the instance address when absent.
   */
  host?: string;
  description?: Description;
}
/**
 * A named traffic policy of one type with its configuration under the type's key. It acts where plugin attachments bind it; at most one plugin of each type applies to a call (an API's own beats its group's).
 */
export interface Plugin {
  name: Name;
  description?: Description;
  /**
   * What the plugin does; it cannot change after creation.
   */
  type: 'TRAFFIC_CONTROL' | 'IP_CONTROL' | 'CORS' | 'JWT';
  trafficControl?: TrafficControl;
  ipControl?: IpControl;
  cors?: Cors;
  jwt?: Jwt;
}
/**
 * Call limits per time unit, counted in fixed windows aligned to UTC. At least one of apiDefault and appDefault, or a special limit, is set.
 */
export interface TrafficControl {
  /**
   * The window every limit counts in.
   */
  unit: 'SECOND' | 'MINUTE' | 'HOUR' | 'DAY';
  /**
   * Most calls of each API the plugin applies to, per unit and stage, from all callers together (anonymous calls included); unlimited when absent.
   */
  apiDefault?: number;
  /**
   * Most calls of each API per unit and stage from one app; unlimited when absent.
   */
  appDefault?: number;
  /**
   * Apps with a limit of their own instead of appDefault (0 refuses every call of the app).
   *
   * @maxItems 1000
   */
  specials?: {
    app: Name;
    limit: number;
  }[];
}
/**
 * Allow or deny lists of IPv4 and IPv6 CIDR blocks, checked on the client address (X-Forwarded-For counts only from proxies the runtime trusts).
 */
export interface IpControl {
  /**
   * ALLOW: only listed addresses may call. DENY: listed addresses may not.
   */
  mode: 'ALLOW' | 'DENY';
  /**
   * CIDR blocks (`10.0.0.0/8`, `2001:db8::/32`) or single addresses.
   *
   * @maxItems 1000
   */
  cidrs: string[];
  /**
   * Blocks of their own for named apps: with ALLOW the app may also call from them, with DENY it may not call from them.
   *
   * @maxItems 1000
   */
  apps: {
    app: Name;
    /**
     * @minItems 1
     * @maxItems 1000
     */
    cidrs: [string, ...string[]];
  }[];
}
/**
 * A bearer JWT every call must carry, verified against exactly one of jwks, publicKey and secret. On an ANONYMOUS API it authenticates the user; on an APP API it adds to the app's credentials.
 */
export interface Jwt {
  /**
   * A JSON Web Key Set of public keys (RFC 7517); the token's `kid` picks the key.
   */
  jwks?: {
    /**
     * @minItems 1
     * @maxItems 100
     */
    keys: [PublicJwk, ...PublicJwk[]];
  };
  /**
   * A PEM public key (`-----BEGIN PUBLIC KEY-----`).
   */
  publicKey?: string;
  /**
   * The HMAC key of HS256/HS384/HS512 tokens, at least 32 characters. A secret: it is stored by the gateway and never appears in plans, exports or logs.
   */
  secret?: string;
  /**
   * Signature algorithms accepted.
   *
   * @minItems 1
   */
  algorithms: [
    (
      | 'RS256'
      | 'RS384'
      | 'RS512'
      | 'PS256'
      | 'PS384'
      | 'PS512'
      | 'ES256'
      | 'ES384'
      | 'ES512'
      | 'EdDSA'
      | 'HS256'
      | 'HS384'
      | 'HS512'
    ),
    ...(
      | 'RS256'
      | 'RS384'
      | 'RS512'
      | 'PS256'
      | 'PS384'
      | 'PS512'
      | 'ES256'
      | 'ES384'
      | 'ES512'
      | 'EdDSA'
      | 'HS256'
      | 'HS384'
      | 'HS512'
    )[]
  ];
  /**
   * The `iss` a token must carry; any when absent.
   */
  issuer?: string;
  /**
   * Audiences of which a token's `aud` must name one; any when absent.
   *
   * @minItems 1
   * @maxItems 100
   */
  audience?: [string, ...string[]];
  /**
   * Where the token is: a header (after a prefix) or a query parameter.
   */
  from: {
    in: 'HEAD' | 'QUERY';
    name: string;
    /**
     * Text before the token (compared ignoring case).
     */
    prefix: string;
  };
  /**
   * Leeway when checking exp and nbf against the gateway clock.
   */
  clockSkewSeconds: number;
  /**
   * Whether a token without exp is refused.
   */
  requireExp: boolean;
  /**
   * Claims sent to the backend as headers (non-string values as JSON); a client's own headers of these names are dropped.
   *
   * @maxItems 50
   */
  claimsToHeaders: {
    claim: string;
    header: HeaderName;
  }[];
}
/**
 * A public JSON Web Key: RSA (n, e), EC (crv, x, y) or OKP (crv, x).
 */
export interface PublicJwk {
  kty: 'RSA' | 'EC' | 'OKP';
  kid?: string;
  alg?: string;
  use?: 'sig';
  n?: string;
  e?: string;
  crv?: 'P-256' | 'P-384' | 'P-521' | 'Ed25519' | 'Ed448';
  x?: string;
  y?: string;
  /**
   * @maxItems 10
   */
  x5c?:
    | []
    | [string]
    | [string, string]
    | [string, string, string]
    | [string, string, string, string]
    | [string, string, string, string, string]
    | [string, string, string, string, string, string]
    | [string, string, string, string, string, string, string]
    | [string, string, string, string, string, string, string, string]
    | [string, string, string, string, string, string, string, string, string]
    | [string, string, string, string, string, string, string, string, string, string];
  x5t?: string;
}
/**
 * Binds a plugin to one API or to every API of a group, in some stages. Identified by plugin and target (`plugin:group/api` or `plugin:group`).
 */
export interface PluginAttachment {
  plugin: Name;
  api?: ApiRef;
  group?: Name;
  stages: Stages;
  description?: Description;
}
/**
 * Resources the document refers to but does not define: they belong to another stack or exist outside apigw, and must exist when the document is applied. References to them are checked by name only; the reconciler never changes them.
 */
export interface Imports {
  vpcAccesses?: NameSet;
  backendServices?: NameSet;
  groups?: NameSet;
  /**
   * Identities (group/name) of APIs defined elsewhere.
   */
  apis?: ApiRef[];
  apps?: NameSet;
  plugins?: NameSet;
}
/**
 * The desired state of one stack of an API gateway: what the reconciler makes the running gateway match. Resources are identified by name (an API by group/name); a rename is a delete and a create.
 */
export interface GatewayDocumentInput {
  /**
   * Version of the document format.
   */
  apiVersion: 'apigw/v1';
  /**
   * Name of the stack that owns every resource this document creates. The reconciler never touches resources owned by another stack.
   */
  stack: string;
  /**
   * VPC access authorizations: the instances and ports inside a VPC that the gateway may reach.
   */
  vpcAccesses?: VpcAccess[];
  /**
   * Backend services, each with one definition per environment (stage).
   */
  backendServices?: BackendServiceInput[];
  /**
   * API groups: a base path and the domains that route to it.
   */
  groups?: ApiGroupInput[];
  /**
   * APIs, each in a group, with the stages it is published to.
   */
  apis?: ApiInput[];
  /**
   * Calling applications. Their AppKey, AppSecret and AppCode are generated by the gateway and never appear in the document.
   */
  apps?: App[];
  /**
   * Grants of an app to call an API in some stages.
   */
  authorizations?: Authorization[];
  /**
   * Traffic policies (throttling, IP access control, CORS, JWT), each of one type; they act on the APIs and groups that plugin attachments bind them to.
   */
  plugins?: PluginInput[];
  /**
   * Bindings of a plugin to an API or a whole group, in some stages.
   */
  pluginAttachments?: PluginAttachment[];
  imports?: Imports;
}
/**
 * A named traffic policy of one type with its configuration under the type's key. It acts where plugin attachments bind it; at most one plugin of each type applies to a call (an API's own beats its group's).
 */
export interface PluginInput {
  name: Name;
  description?: Description;
  /**
   * What the plugin does; it cannot change after creation.
   */
  type: 'TRAFFIC_CONTROL' | 'IP_CONTROL' | 'CORS' | 'JWT';
  trafficControl?: TrafficControl;
  ipControl?: IpControlInput;
  cors?: CorsInput;
  jwt?: JwtInput;
}
/**
 * Allow or deny lists of IPv4 and IPv6 CIDR blocks, checked on the client address (X-Forwarded-For counts only from proxies the runtime trusts).
 */
export interface IpControlInput {
  /**
   * ALLOW: only listed addresses may call. DENY: listed addresses may not.
   */
  mode: 'ALLOW' | 'DENY';
  /**
   * CIDR blocks (`10.0.0.0/8`, `2001:db8::/32`) or single addresses.
   *
   * @maxItems 1000
   */
  cidrs?: string[];
  /**
   * Blocks of their own for named apps: with ALLOW the app may also call from them, with DENY it may not call from them.
   *
   * @maxItems 1000
   */
  apps?: {
    app: Name;
    /**
     * @minItems 1
     * @maxItems 1000
     */
    cidrs: [string, ...string[]];
  }[];
}
/**
 * A bearer JWT every call must carry, verified against exactly one of jwks, publicKey and secret. On an ANONYMOUS API it authenticates the user; on an APP API it adds to the app's credentials.
 */
export interface JwtInput {
  /**
   * A JSON Web Key Set of public keys (RFC 7517); the token's `kid` picks the key.
   */
  jwks?: {
    /**
     * @minItems 1
     * @maxItems 100
     */
    keys: [PublicJwk1, ...PublicJwk1[]];
  };
  /**
   * A PEM public key (`-----BEGIN PUBLIC KEY-----`).
   */
  publicKey?: string;
  /**
   * The HMAC key of HS256/HS384/HS512 tokens, at least 32 characters. A secret: it is stored by the gateway and never appears in plans, exports or logs.
   */
  secret?: string;
  /**
   * Signature algorithms accepted.
   *
   * @minItems 1
   */
  algorithms?: [
    (
      | 'RS256'
      | 'RS384'
      | 'RS512'
      | 'PS256'
      | 'PS384'
      | 'PS512'
      | 'ES256'
      | 'ES384'
      | 'ES512'
      | 'EdDSA'
      | 'HS256'
      | 'HS384'
      | 'HS512'
    ),
    ...(
      | 'RS256'
      | 'RS384'
      | 'RS512'
      | 'PS256'
      | 'PS384'
      | 'PS512'
      | 'ES256'
      | 'ES384'
      | 'ES512'
      | 'EdDSA'
      | 'HS256'
      | 'HS384'
      | 'HS512'
    )[]
  ];
  /**
   * The `iss` a token must carry; any when absent.
   */
  issuer?: string;
  /**
   * Audiences of which a token's `aud` must name one; any when absent.
   *
   * @minItems 1
   * @maxItems 100
   */
  audience?: [string, ...string[]];
  /**
   * Where the token is: a header (after a prefix) or a query parameter.
   */
  from?: {
    in: 'HEAD' | 'QUERY';
    name: string;
    /**
     * Text before the token (compared ignoring case).
     */
    prefix?: string;
  };
  /**
   * Leeway when checking exp and nbf against the gateway clock.
   */
  clockSkewSeconds?: number;
  /**
   * Whether a token without exp is refused.
   */
  requireExp?: boolean;
  /**
   * Claims sent to the backend as headers (non-string values as JSON); a client's own headers of these names are dropped.
   *
   * @maxItems 50
   */
  claimsToHeaders?: {
    claim: string;
    header: HeaderName;
  }[];
}
/**
 * A public JSON Web Key: RSA (n, e), EC (crv, x, y) or OKP (crv, x).
 */
export interface PublicJwk1 {
  kty: 'RSA' | 'EC' | 'OKP';
  kid?: string;
  alg?: string;
  use?: 'sig';
  n?: string;
  e?: string;
  crv?: 'P-256' | 'P-384' | 'P-521' | 'Ed25519' | 'Ed448';
  x?: string;
  y?: string;
  /**
   * @maxItems 10
   */
  x5c?:
    | []
    | [string]
    | [string, string]
    | [string, string, string]
    | [string, string, string, string]
    | [string, string, string, string, string]
    | [string, string, string, string, string, string]
    | [string, string, string, string, string, string, string]
    | [string, string, string, string, string, string, string, string]
    | [string, string, string, string, string, string, string, string, string]
    | [string, string, string, string, string, string, string, string, string, string];
  x5t?: string;
}
