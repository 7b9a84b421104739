import { Construct } from 'constructs';
import { sortStages, type Stage } from '@apigw/schema';
import type { IApi } from './api';
import type { IApp } from './app';
import { brand, findStack, foreignReference, hasBrand, listOf, registerResource, unknownProps, type CodedCheck, type RenderContext } from './private';

const AUTHORIZATION_BRAND = Symbol.for('@apigw/constructs.Authorization');

/** When an authorization ends. */
export type Expiry = Date | string;

/** Options of `app.authorize()`. */
export interface AuthorizeOptions {
  /**
   * When the grant ends: a Date, or an RFC 3339 date-time string.
   *
   * @default never
   */
  readonly expiresAt?: Expiry;
  /**
   * Free text for people, at most 180 characters.
   *
   * @default no description
   */
  readonly description?: string;
}

/** Properties of an Authorization. */
export interface AuthorizationProps extends AuthorizeOptions {
  /** The app granted the right to call. */
  readonly app: IApp;
  /** The API the app may call. */
  readonly api: IApi;
  /** Stages the app may call the API in; each must be one the API is published to. */
  readonly stages: readonly Stage[];
}

/**
 * Grants an app the right to call an API in some stages, optionally until
 * a time. Identified by app and API; usually made with `app.authorize()`.
 */
export class Authorization extends Construct {
  /** True for an Authorization, even from another copy of this package. */
  static isAuthorization(x: unknown): x is Authorization {
    return hasBrand(x, AUTHORIZATION_BRAND);
  }

  /** The app granted the right to call. */
  readonly app: IApp;
  /** The API the app may call. */
  readonly api: IApi;
  private readonly granted: Set<Stage>;
  private readonly expiry?: Expiry;
  private readonly description?: string;

  constructor(scope: Construct, id: string, props: AuthorizationProps) {
    super(scope, id);
    findStack(this);
    brand(this, AUTHORIZATION_BRAND);
    this.app = props.app;
    this.api = props.api;
    this.granted = new Set(listOf(props.stages));
    this.expiry = props.expiresAt;
    this.description = props.description;
    this.typos = unknownProps(props, 'Authorization', 'Authorization');
    registerResource(this, {
      kind: 'authorization',
      imported: false,
      identity: `${this.app.appName}:${this.api.apiRef}`,
      render: (ctx) => this.render(ctx),
      checks: () => this.checks(),
    });
  }

  /** The stages granted, in stage order. */
  get stages(): Stage[] {
    return sortStages([...this.granted]);
  }

  /** When the grant ends, as written in the document; undefined for never. */
  get expiresAt(): string | undefined {
    return this.expiry === undefined ? undefined : expiryText(this.expiry);
  }

  /** Grants more stages. @returns this authorization, for chaining */
  addStages(...stages: Stage[]): this {
    for (const stage of stages) this.granted.add(stage);
    return this;
  }

  private render(ctx: RenderContext): Record<string, unknown> {
    return {
      app: ctx.ref('app', this.app, this.app.appName),
      api: ctx.ref('api', this.api, this.api.apiRef),
      stages: this.stages,
      expiresAt: this.expiresAt,
      description: this.description,
    };
  }

  /** Props this construct does not know (misspellings). */
  private readonly typos: CodedCheck[];

  private checks(): CodedCheck[] {
    return [
      ...this.typos,
      ...foreignReference(this, this.app, '/app', `app ${this.app.appName}`),
      ...foreignReference(this, this.api, '/api', `api ${this.api.apiRef}`),
    ];
  }
}

/**
 * The document text of an expiry. An invalid Date renders as its string
 * ("Invalid Date") so the schema reports it at its pointer.
 */
export function expiryText(expiry: Expiry): string {
  if (typeof expiry === 'string') return expiry;
  return Number.isNaN(expiry.getTime()) ? String(expiry) : expiry.toISOString();
}
