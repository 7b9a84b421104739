/**
 * What the console's read endpoints (`/v1/console/...`) answer. Views of
 * the live state shaped for one page each: secrets never appear in them
 * (certificate keys, AppSecret, AppCode), except in the answer to an
 * explicit, logged reveal.
 */
import type { ApiAuth, ApiBackend, ApiRequest, Stage } from '@apigw/schema';
import type { NodeRecord } from '../store/engine';

/** A resource count per collection (`apis`, `groups`, ...). */
export type Counts = Record<string, number>;

/** `GET /v1/console/overview`. */
export interface ConsoleOverview {
  readonly revision: number;
  /** The store's id. */
  readonly store: string;
  /** Where the state lives: the engine (`sqlite`, `postgres`), its location (a file, or a URL without its password) and whether this node follows it. */
  readonly storage: { readonly engine: string; readonly location: string; readonly ready: boolean; readonly reason?: string };
  /** Whether the data plane serves traffic. */
  readonly ready: boolean;
  /** Base URL of the in-process data plane; empty when worker processes serve. */
  readonly dataUrl: string;
  readonly counts: Counts;
  /** Owning stacks (null: resources nobody owns) with what each owns. */
  readonly stacks: readonly { readonly stack: string | null; readonly counts: Counts }[];
  /** APIs published per stage. */
  readonly published: Readonly<Record<Stage, number>>;
  /** Published (API, stage) pairs serving an older definition than the current one. */
  readonly stale: number;
  /** The gateway's nodes: every node of a shared store, else this one. */
  readonly nodes: readonly ConsoleNode[];
  /** Why the shared store's node list could not be read (only this node is listed then). */
  readonly nodesProblem?: string;
}

/** One gateway node: who it is, what it serves, when it was last heard of. */
export interface ConsoleNode extends NodeRecord {
  /** The node answering this request. */
  readonly self: boolean;
}

/** What one stage of an API serves. */
export interface StageView {
  /** Digest of the published definition (first 12 hex characters shown as its revision). */
  readonly digest: string;
  readonly publishedAt: string;
  /** The stage serves an older definition than the current one. */
  readonly stale: boolean;
  /** Backend service of the published definition. */
  readonly service: string;
}

/** One row of the API table. */
export interface ApiRow {
  readonly id: string;
  readonly group: string;
  readonly name: string;
  readonly method: string;
  readonly path: string;
  readonly auth: ApiAuth['type'];
  /** Backend service of the current definition. */
  readonly service: string;
  readonly stack: string | null;
  readonly stages: Partial<Record<Stage, StageView>>;
}

/** `GET /v1/console/apis?group&stage&backend&q&stale&offset&limit`: one page of the filtered, sorted API table. */
export interface ApiPage {
  readonly revision: number;
  /** Rows matching the filter, all pages together. */
  readonly total: number;
  readonly offset: number;
  readonly limit: number;
  readonly items: readonly ApiRow[];
  /** Values the filters can take. */
  readonly groups: readonly string[];
  readonly services: readonly string[];
}

/** Where a backend definition sends requests, as the console shows it. */
export interface BackendTarget {
  readonly type: string;
  /**
   * The address requests reach: a URL for HTTP and VPC backends, a
   * description for MOCK, FUNCTION and OSS ones.
   */
  readonly target: string;
  /** More about it (VPC access and instance, mock status, ...). */
  readonly detail?: string;
}

/** `GET /v1/console/apis/{group}/{name}`. */
export interface ApiDetail {
  readonly revision: number;
  readonly id: string;
  readonly group: string;
  readonly name: string;
  readonly description?: string;
  readonly stack: string | null;
  readonly digest: string;
  readonly updatedAt: string;
  readonly auth: ApiAuth;
  readonly request: ApiRequest;
  /** The current definition's backend (service, path, method, timeout, constant and system parameters). */
  readonly backend: ApiBackend;
  /** Full URLs the group's domains answer at (one per domain and protocol). */
  readonly domains: readonly string[];
  /** Per stage: what is published and the URL it reaches now; absent stages are unpublished. */
  readonly stages: Partial<Record<Stage, StageView & { readonly backendPath: string; readonly reaches: BackendTarget | null }>>;
  readonly authorizations: readonly { readonly app: string; readonly appKey: string; readonly stages: readonly Stage[]; readonly expiresAt?: string }[];
  /** Plugins that apply to the API: attached to it, or to its group, with the stages they apply in. */
  readonly plugins: readonly { readonly plugin: string; readonly type: string; readonly via: 'api' | 'group'; readonly stages: readonly Stage[] }[];
}

/** `GET /v1/console/groups`. */
export interface GroupView {
  readonly name: string;
  readonly description?: string;
  readonly stack: string | null;
  readonly basePath: string;
  readonly domains: readonly string[];
  /** The certificates' public facts; keys are never sent. */
  readonly certificates: readonly CertificateView[];
  readonly apis: number;
}

/** A certificate as the console shows it. */
export interface CertificateView {
  readonly domain: string;
  readonly subject: string;
  readonly issuer: string;
  readonly validFrom: string;
  /** ISO 8601 time the certificate expires. */
  readonly validTo: string;
  readonly daysLeft: number;
  readonly fingerprint256: string;
  /** Why the PEM could not be read, when it could not. */
  readonly error?: string;
}

/** `GET /v1/console/backends`. */
export interface BackendView {
  readonly name: string;
  readonly type: string;
  readonly description?: string;
  readonly stack: string | null;
  /** One column per environment: where it sends requests (null: no definition). */
  readonly environments: Readonly<Record<Stage, BackendTarget | null>>;
  /** Per environment, how many APIs published to that stage follow this definition. */
  readonly followingCount: Readonly<Record<Stage, number>>;
  /** Per environment, the first of them by id (at most FOLLOWING_SHOWN; the API table lists them all, filtered by stage and backend). */
  readonly following: Readonly<Record<Stage, readonly string[]>>;
}

/** `GET /v1/console/apps`. */
export interface AppView {
  readonly name: string;
  readonly description?: string;
  readonly stack: string | null;
  /** Public identifier of the app. */
  readonly appKey: string;
  readonly appId?: number;
  readonly authorizations: readonly { readonly api: string; readonly stages: readonly Stage[]; readonly expiresAt?: string }[];
}

/** One API and stage's request metrics, cumulative since the runtime started. */
export interface TrafficSeries {
  readonly api: string;
  readonly stage: string;
  readonly requests: number;
  /** Requests by HTTP status. */
  readonly statuses: Readonly<Record<string, number>>;
  /** Latency histogram: [upper bound in seconds, cumulative count]; the last bound is +Inf. */
  readonly buckets: readonly (readonly [number, number])[];
}

/** `GET /v1/console/traffic[?api]`. */
export interface TrafficSample {
  /** Server time of the sample, ms since the epoch. */
  readonly at: number;
  readonly series: readonly TrafficSeries[];
}

/** Who a Debug call calls as. */
export type DebugCaller =
  /** An app of the gateway: the runtime signs with its AppKey/AppSecret, or sends its AppCode; the browser never sees them. */
  | { readonly kind: 'app'; readonly app: string; readonly use?: 'signature' | 'appCode' }
  /** An AppCode typed in. */
  | { readonly kind: 'appCode'; readonly appCode: string }
  /** An AppKey and AppSecret typed in (to check a client's credentials). */
  | { readonly kind: 'keys'; readonly appKey: string; readonly appSecret: string }
  | { readonly kind: 'anonymous' };

/** `POST /v1/console/debug`: call an API through this gateway's data plane. */
export interface DebugRequest {
  /** `group/name`. */
  readonly api: string;
  readonly stage: Stage;
  readonly caller: DebugCaller;
  /** Values of the path's `{name}` parameters. */
  readonly path?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, string>>;
  readonly headers?: Readonly<Record<string, string>>;
  /** Form fields (BODY parameters), sent as application/x-www-form-urlencoded. */
  readonly form?: Readonly<Record<string, string>>;
  /** A raw body (instead of form fields). */
  readonly body?: string;
  /** The request's method, for an API whose method is ANY. */
  readonly method?: string;
}

/** What a Debug call sent and got. */
export interface DebugResult {
  readonly request: {
    readonly method: string;
    /** Host, path and query as sent (an AppCode in the query masked). */
    readonly url: string;
    /** Headers as sent (an AppCode in Authorization masked). */
    readonly headers: readonly (readonly [string, string])[];
    readonly body: string;
    /** The string the runtime signed, when it signed. */
    readonly stringToSign?: string;
  };
  /** Absent when no answer came (see failure). */
  readonly response?: {
    readonly status: number;
    readonly headers: readonly (readonly [string, string])[];
    /** The body as UTF-8 text (binary bytes replaced). */
    readonly body: string;
    readonly truncated: boolean;
    readonly requestId?: string;
    /** The gateway's own refusal or failure, explained from its error table. */
    readonly gatewayError?: { readonly code: string; readonly message: string; readonly status: number; readonly doc: string; readonly sent: string };
    /** On a signature mismatch: the string the gateway computed (its `#` turned back into line breaks). */
    readonly serverStringToSign?: string;
  };
  /** Milliseconds from sending to the whole answer. */
  readonly ms: number;
  /** Why no answer came. */
  readonly failure?: string;
}

/** `GET /v1/console/plugins`. */
export interface PluginsView {
  /** Whether this runtime knows plugins (the state has the collection). */
  readonly available: boolean;
  readonly plugins: readonly PluginView[];
}

/** A plugin (traffic policy) and where it is attached. */
export interface PluginView {
  readonly name: string;
  readonly type: string;
  readonly description?: string;
  readonly stack: string | null;
  /** The policy's settings as the state holds them (secrets are never in the state). */
  readonly settings: Readonly<Record<string, unknown>>;
  readonly attachments: readonly { readonly api?: string; readonly group?: string; readonly stages: readonly Stage[] }[];
}
