import { Construct, type IConstruct } from 'constructs';
import type { VpcAccess as VpcAccessSpec } from '@apigw/schema';
import { brand, findStack, hasBrand, registerResource, unknownProps } from './private';

const VPC_ACCESS_BRAND = Symbol.for('@apigw/constructs.VpcAccess');

/** A VPC access, defined in this stack or imported. */
export interface IVpcAccess extends IConstruct {
  /** The VPC access's name. */
  readonly vpcAccessName: string;
}

/** Properties of a VpcAccess. */
export interface VpcAccessProps {
  /**
   * Name of the VPC access: a letter, then letters, digits or underscores; 4 to 50 characters.
   *
   * @default the construct id
   */
  readonly vpcAccessName?: string;
  /** The VPC's id (`vpc-...`). Changing it replaces the VPC access. */
  readonly vpcId: VpcAccessSpec['vpcId'];
  /**
   * The instance the gateway may reach: an id the runtime's inventory maps to
   * an address, or a private IPv4 address. Changing it replaces the VPC access.
   */
  readonly instanceId: VpcAccessSpec['instanceId'];
  /** The instance's port the gateway may reach (1-65535). Changing it replaces the VPC access. */
  readonly port: VpcAccessSpec['port'];
  /**
   * Host header sent to the instance.
   *
   * @default the instance address
   */
  readonly host?: VpcAccessSpec['host'];
  /**
   * Free text for people, at most 180 characters.
   *
   * @default no description
   */
  readonly description?: string;
}

/**
 * Authorizes the gateway to reach one port of one instance in a VPC. VPC
 * backend services name it in their environment definitions.
 */
export class VpcAccess extends Construct implements IVpcAccess {
  /** True for a VpcAccess defined in a stack (not an import), even from another copy of this package. */
  static isVpcAccess(x: unknown): x is VpcAccess {
    return hasBrand(x, VPC_ACCESS_BRAND);
  }

  /** Refers to a VPC access that exists outside this stack; the document lists it under `imports`. */
  static fromVpcAccessName(scope: Construct, id: string, vpcAccessName: string): IVpcAccess {
    return new ImportedVpcAccess(scope, id, vpcAccessName);
  }

  readonly vpcAccessName: string;
  private readonly props: VpcAccessProps;

  constructor(scope: Construct, id: string, props: VpcAccessProps) {
    super(scope, id);
    findStack(this);
    brand(this, VPC_ACCESS_BRAND);
    this.vpcAccessName = props.vpcAccessName ?? id;
    this.props = { ...props };
    const typos = unknownProps(props, 'VpcAccess', 'VpcAccess', { name: 'vpcAccessName' });
    registerResource(this, {
      kind: 'vpcAccess',
      imported: false,
      identity: this.vpcAccessName,
      render: () => ({
        name: this.vpcAccessName,
        vpcId: this.props.vpcId,
        instanceId: this.props.instanceId,
        port: this.props.port,
        host: this.props.host,
        description: this.props.description,
      }),
      checks: () => typos,
    });
  }
}

class ImportedVpcAccess extends Construct implements IVpcAccess {
  constructor(
    scope: Construct,
    id: string,
    readonly vpcAccessName: string,
  ) {
    super(scope, id);
    findStack(this);
    registerResource(this, { kind: 'vpcAccess', imported: true, identity: vpcAccessName, render: () => ({}), checks: () => [] });
  }
}
