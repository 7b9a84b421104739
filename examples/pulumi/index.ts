/**
 * A Pulumi stack that runs the shop gateway: the constructs program in
 * gateway.ts becomes Pulumi resources through GatewayStackResources, and
 * the stack adds a partner app of its own, authorized on one of the
 * construct stack's APIs by reference.
 *
 *   pulumi config set --secret apigw:token "$(cat <data-dir>/admin.token)"
 *   pulumi up
 */
import * as pulumi from '@pulumi/pulumi';
import { App, Authorization, GatewayStackResources } from '@apigw/provider/pulumi';
import shop from './gateway';

// Every resource of the construct stack, owned by the apigw stack `shop`
// exactly as `apigw apply -f gateway.ts` would own them.
const gateway = new GatewayStackResources('shop', { stack: shop() });
const getUser = gateway.apis['shop/getUser']!;

// Resources declared in Pulumi directly take other resources as references,
// so Pulumi creates the app and the API before the authorization. They are
// not in gateway.ts, so they belong to another apigw stack (the apigw:stack
// config, else `<project>-<stack>`): `apigw apply -f gateway.ts` leaves them be.
const partner = new App('partner', { name: 'partner', description: 'A partner integration, managed in Pulumi only.' });
new Authorization('partner-getUser', { app: partner, api: getUser, stages: ['RELEASE'] });

/** The AppKey callers of the mobile app send as X-Ca-Key. */
export const mobileAppKey = gateway.apps['mobile']!.appKey;
/** The mobile app's AppCode (a secret: `pulumi stack output --show-secrets`). */
export const mobileAppCode = gateway.apps['mobile']!.appCode;
export const partnerAppKey = partner.appKey;
/** The partner's AppSecret (a secret). */
export const partnerAppSecret = partner.appSecret;
/** Where getUser is published. */
export const getUserStages = getUser.stages;
export const project = pulumi.getProject();
