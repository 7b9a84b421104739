/**
 * A CDKTF application that deploys the shop gateway of gateway.ts with
 * Terraform: ApigwResources turns the construct stack into the generated
 * apigw resources (apigw_api, apigw_app, ...), wired by references so that
 * Terraform creates and destroys them in order.
 *
 *   cdktf synth                                  writes cdktf.out/stacks/shop/cdk.tf.json
 *   cdktf deploy shop --auto-approve --skip-provider-lock
 *   cdktf destroy shop --auto-approve
 */
import { App, TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { ApigwResources } from '@apigw/provider/cdktf';
import shop from './gateway';

class ShopStack extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    // The provider (stack "shop") reads APIGW_ENDPOINT and APIGW_TOKEN at deploy time.
    const gateway = new ApigwResources(this, 'gateway', shop());
    const mobile = gateway.apps.get('mobile')!;
    new TerraformOutput(this, 'mobile_app_key', { value: mobile.appKey });
    new TerraformOutput(this, 'mobile_app_code', { value: mobile.appCode, sensitive: true });
    new TerraformOutput(this, 'get_user_stages', { value: gateway.apis.get('shop/getUser')!.stages });
  }
}

const app = new App();
new ShopStack(app, 'shop');
app.synth();
