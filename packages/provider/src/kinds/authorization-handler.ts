/**
 * Authorizations: an app granted an API in some stages. The plan authorizes
 * and revokes them, never explains one as a rename (an authorization is its
 * identity), and lets its deletes and the updates that only drop stages run
 * early, with the revocations.
 */
import type { Authorization } from '@apigw/schema';
import type { Operation } from '@apigw/runtime';
import type { PlanEvent, PlanOp } from '../diff/plan';
import { BaseHandler } from './handler-base';

export class AuthorizationHandler extends BaseHandler<'authorization'> {
  override readonly verbs: { readonly create: PlanOp; readonly delete: PlanOp } = { create: 'authorize', delete: 'revoke' };

  constructor() {
    super('authorization');
  }

  override renameKey(): undefined {
    return undefined;
  }

  /** A delete always takes grants away; an update does when it grants no stage the live authorization lacks. */
  override withRevocations(operation: Operation, event: PlanEvent): boolean {
    if (operation.op === 'delete') return true;
    return (
      (operation.op === 'update' || operation.op === 'create') &&
      event.op === 'update' &&
      (event.desired as Authorization).stages.every((s) => (event.live as Authorization).stages.includes(s))
    );
  }
}
