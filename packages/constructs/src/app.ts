import { Construct, type IConstruct } from 'constructs';
import type { Stage } from '@apigw/schema';
import type { IApi } from './api';
import { Authorization, expiryText, type AuthorizeOptions } from './authorization';
import { ConflictingAuthorizationError } from './errors';
import { brand, findStack, hasBrand, registerResource, unknownProps } from './private';

const APP_BRAND = Symbol.for('@apigw/constructs.App');

/** A calling application, defined in this stack or imported. */
export interface IApp extends IConstruct {
  /** The app's name. */
  readonly appName: string;

  /**
   * Grants the app the right to call `api` in `stages`. Authorizing the same
   * API again adds the stages to the existing grant (its expiry must match).
   *
   * @returns the authorization
   */
  authorize(api: IApi, stages: readonly Stage[], options?: AuthorizeOptions): Authorization;
}

/** Properties of an App. */
export interface AppProps {
  /**
   * Name of the app: a letter, then letters, digits or underscores; 4 to 50 characters.
   *
   * @default the construct id
   */
  readonly appName?: string;
  /**
   * Free text for people, at most 180 characters.
   *
   * @default no description
   */
  readonly description?: string;
}

/**
 * A calling application. The gateway generates its AppKey, AppSecret and
 * AppCode; they never appear in the document (`apigw credentials APP`).
 */
export class App extends Construct implements IApp {
  /** True for an App defined in a stack (not an import), even from another copy of this package. */
  static isApp(x: unknown): x is App {
    return hasBrand(x, APP_BRAND);
  }

  /** Refers to an app that exists outside this stack; the document lists it under `imports`. */
  static fromAppName(scope: Construct, id: string, appName: string): IApp {
    return new ImportedApp(scope, id, appName);
  }

  readonly appName: string;
  private readonly description?: string;

  constructor(scope: Construct, id: string, props: AppProps = {}) {
    super(scope, id);
    findStack(this);
    brand(this, APP_BRAND);
    this.appName = props.appName ?? id;
    this.description = props.description;
    const typos = unknownProps(props, 'App', 'App', { name: 'appName' });
    registerResource(this, {
      kind: 'app',
      imported: false,
      identity: this.appName,
      render: () => ({ name: this.appName, description: this.description }),
      checks: () => typos,
    });
  }

  /**
   * Grants this app the right to call `api` in `stages` (each one the API is
   * published to). A repeated grant for one API adds stages to it.
   *
   * @returns the authorization, a child construct of this app
   */
  authorize(api: IApi, stages: readonly Stage[], options: AuthorizeOptions = {}): Authorization {
    return authorize(this, api, stages, options);
  }
}

class ImportedApp extends Construct implements IApp {
  constructor(
    scope: Construct,
    id: string,
    readonly appName: string,
  ) {
    super(scope, id);
    findStack(this);
    registerResource(this, { kind: 'app', imported: true, identity: appName, render: () => ({}), checks: () => [] });
  }

  authorize(api: IApi, stages: readonly Stage[], options: AuthorizeOptions = {}): Authorization {
    return authorize(this, api, stages, options);
  }
}

/**
 * One Authorization per app and API, a child of the app named after the API
 * (`shop.getUser`); a repeated grant adds stages to it.
 */
function authorize(app: IApp, api: IApi, stages: readonly Stage[], options: AuthorizeOptions): Authorization {
  const id = api.apiRef.replace('/', '.');
  const existing = app.node.tryFindChild(id);
  if (Authorization.isAuthorization(existing)) {
    if (options.expiresAt !== undefined && expiryText(options.expiresAt) !== existing.expiresAt)
      throw new ConflictingAuthorizationError(existing.node.path, existing.expiresAt, expiryText(options.expiresAt));
    return existing.addStages(...stages);
  }
  return new Authorization(app, id, { ...options, app, api, stages });
}
