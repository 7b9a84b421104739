import { Construct, type IConstruct } from 'constructs';
import type { ApiGroupInput, Certificate, Stage } from '@apigw/schema';
import { Api, type ApiOptions } from './api';
import type { IPlugin, PluginAttachment } from './plugin';
import { brand, findStack, hasBrand, listOf, registerResource, unknownProps } from './private';

const API_GROUP_BRAND = Symbol.for('@apigw/constructs.ApiGroup');

/** An API group, defined in this stack or imported. */
export interface IApiGroup extends IConstruct {
  /** The group's name. */
  readonly groupName: string;

  /**
   * Adds an API to the group. The API belongs to the stack the group is in
   * (for an imported group: the stack that imported it).
   *
   * @returns the new API
   */
  addApi(id: string, options: ApiOptions): Api;
}

/** Properties of an ApiGroup. */
export interface ApiGroupProps {
  /**
   * Name of the group: a letter, then letters, digits or underscores; 4 to 50 characters.
   *
   * @default the construct id
   */
  readonly groupName?: string;
  /**
   * Free text for people, at most 180 characters.
   *
   * @default no description
   */
  readonly description?: string;
  /**
   * Path prefix of every API of the group.
   *
   * @default '/'
   */
  readonly basePath?: ApiGroupInput['basePath'];
  /**
   * Host names that route to the group; more with addDomain().
   *
   * @default none
   */
  readonly domains?: readonly string[];
  /**
   * TLS certificates for some of the domains; more with addCertificate().
   *
   * @default none (HTTP only)
   */
  readonly certificates?: readonly Certificate[];
}

/**
 * A group of APIs served under a base path on the group's domains. The data
 * plane picks the group by the request's Host header.
 */
export class ApiGroup extends Construct implements IApiGroup {
  /** True for an ApiGroup defined in a stack (not an import), even from another copy of this package. */
  static isApiGroup(x: unknown): x is ApiGroup {
    return hasBrand(x, API_GROUP_BRAND);
  }

  /** Refers to a group that exists outside this stack; the document lists it under `imports`. */
  static fromGroupName(scope: Construct, id: string, groupName: string): IApiGroup {
    return new ImportedApiGroup(scope, id, groupName);
  }

  readonly groupName: string;
  private readonly description?: string;
  private readonly basePath?: string;
  private readonly domains: string[];
  private readonly certificates: Certificate[];

  constructor(scope: Construct, id: string, props: ApiGroupProps = {}) {
    super(scope, id);
    findStack(this);
    brand(this, API_GROUP_BRAND);
    this.groupName = props.groupName ?? id;
    this.description = props.description;
    this.basePath = props.basePath;
    this.domains = listOf(props.domains);
    this.certificates = listOf(props.certificates).map((c) => ({ ...c }));
    const typos = unknownProps(props, 'ApiGroup', 'ApiGroup', { name: 'groupName' });
    registerResource(this, {
      kind: 'group',
      imported: false,
      identity: this.groupName,
      render: () => ({
        name: this.groupName,
        description: this.description,
        basePath: this.basePath,
        domains: [...this.domains],
        certificates: this.certificates.map((c) => ({ ...c })),
      }),
      checks: () => typos,
    });
  }

  /** Binds one more domain to the group. @returns this group, for chaining */
  addDomain(domain: string): this {
    this.domains.push(domain);
    return this;
  }

  /** Serves HTTPS for one of the group's domains. @returns this group, for chaining */
  addCertificate(certificate: Certificate): this {
    this.certificates.push({ ...certificate });
    return this;
  }

  /** Adds an API to the group, as a child construct of it. @returns the new API */
  addApi(id: string, options: ApiOptions): Api {
    return new Api(this, id, { ...options, group: this });
  }

  /**
   * Makes `plugin` act on every API of the group in `stages`, except where
   * an API has its own plugin of the same type.
   *
   * @returns the attachment
   */
  addPlugin(plugin: IPlugin, stages: readonly Stage[]): PluginAttachment {
    return plugin.attach(this, stages);
  }
}

class ImportedApiGroup extends Construct implements IApiGroup {
  constructor(
    scope: Construct,
    id: string,
    readonly groupName: string,
  ) {
    super(scope, id);
    findStack(this);
    registerResource(this, { kind: 'group', imported: true, identity: groupName, render: () => ({}), checks: () => [] });
  }

  addApi(id: string, options: ApiOptions): Api {
    return new Api(this, id, { ...options, group: this });
  }
}
