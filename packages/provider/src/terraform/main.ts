/**
 * The plugin process of terraform-provider-apigw: started by Terraform
 * through go-plugin, it prints the handshake line and serves gRPC until
 * Terraform stops it.
 */
// Before the first import of the toolchain: without it, name what to install.
import { requireToolchain } from '../toolchains';
requireToolchain('terraform');
import { TerraformPluginError } from './errors';
import { startPluginServer } from './plugin-server';
import { ApigwTerraformProvider, type ConnectGateway } from './provider';
import { connectGateway } from './gateway-connection';

/**
 * The plugin process of terraform-provider-apigw (bin/terraform-provider-apigw.js
 * calls runPlugin). Terraform starts it with the
 * go-plugin environment (magic cookie, protocol versions, client
 * certificate); it answers with one handshake line on stdout and then
 * serves gRPC until Terraform asks it to shut down. Logs go to stderr,
 * which Terraform folds into its own log (TF_LOG).
 */

/** go-plugin's handshake cookie for Terraform providers. */
export const MAGIC_COOKIE_KEY = 'TF_PLUGIN_MAGIC_COOKIE';
export const MAGIC_COOKIE_VALUE = 'd602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2';

/** Runs the plugin; resolves once it serves, with a function that stops it. */
export async function runPlugin(env: NodeJS.ProcessEnv, connect: ConnectGateway = connectGateway): Promise<() => Promise<void>> {
  if (env[MAGIC_COOKIE_KEY] !== MAGIC_COOKIE_VALUE)
    throw new TerraformPluginError(
      'APIGW_TF_NOT_PLUGIN_HOST',
      'This binary is a plugin for Terraform. It is not meant to be run directly:\n' +
        'install it into a provider mirror and run terraform (or cdktf), which will start it.',
    );
  const offered = (env['PLUGIN_PROTOCOL_VERSIONS'] ?? '6').split(',').map((v) => v.trim());
  if (!offered.includes('6'))
    throw new TerraformPluginError(
      'APIGW_TF_PROTOCOL_VERSION',
      `Terraform offered plugin protocol versions ${offered.join(', ')}; terraform-provider-apigw speaks version 6 (Terraform 1.0 or newer).`,
    );
  const clientCert = env['PLUGIN_CLIENT_CERT'];
  if (!clientCert)
    throw new TerraformPluginError('APIGW_TF_NOT_PLUGIN_HOST', 'PLUGIN_CLIENT_CERT is not set: Terraform passes its client certificate there (automatic mTLS).');

  let stopping = false;
  const provider = new ApigwTerraformProvider(connect, env);
  const server = await startPluginServer(provider, {
    clientCertPem: clientCert,
    onShutdown: () => void stop().then(() => process.exit(0)),
  });
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await server.close();
  };
  process.stdout.write(`${server.handshake}\n`);
  return stop;
}
