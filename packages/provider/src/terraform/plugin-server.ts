/**
 * The gRPC server of terraform-provider-apigw: the go-plugin handshake,
 * mutual TLS, and the tfplugin6 service answered by the provider.
 */
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { selfSignedCertificate } from './certificate';
import type { ApigwTerraformProvider } from './provider';

/**
 * The gRPC side of terraform-provider-apigw: what HashiCorp's go-plugin
 * (which Terraform uses to run providers) expects of a plugin process.
 *
 * - mutual TLS: a fresh self-signed server certificate, announced in the
 *   handshake line; clients must present the certificate Terraform passed
 *   in PLUGIN_CLIENT_CERT;
 * - `grpc.health.v1.Health/Check` answers SERVING for service `plugin`;
 * - `plugin.GRPCController/Shutdown` stops the plugin;
 * - `tfplugin6.Provider` served by ApigwTerraformProvider. RPCs the protocol has
 *   and this plugin does not serve are answered UNIMPLEMENTED by gRPC.
 */

/** The directory holding the .proto files (the package's `proto/`). */
export const PROTO_DIR = path.join(__dirname, '..', '..', 'proto');

/** Options of proto-loader shared by the server and test clients. */
export const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: false,
  oneofs: true,
  includeDirs: [PROTO_DIR],
};

/** The loaded service definitions. */
export interface PluginProtos {
  readonly provider: grpc.ServiceDefinition;
  readonly health: grpc.ServiceDefinition;
  readonly controller: grpc.ServiceDefinition;
  /** The grpc package object (for making clients). */
  readonly grpcObject: grpc.GrpcObject;
}

/** Loads tfplugin6, health and controller protos. */
export function loadPluginProtos(): PluginProtos {
  const definition = protoLoader.loadSync(['tfplugin6.proto', 'health.proto', 'go-plugin.proto'], PROTO_LOADER_OPTIONS);
  const grpcObject = grpc.loadPackageDefinition(definition);
  const service = (dotted: string) => {
    let node: unknown = grpcObject;
    for (const part of dotted.split('.')) node = (node as Record<string, unknown>)[part];
    return (node as { service: grpc.ServiceDefinition }).service;
  };
  return {
    provider: service('tfplugin6.Provider'),
    health: service('grpc.health.v1.Health'),
    controller: service('plugin.GRPCController'),
    grpcObject,
  };
}

/** The go-plugin handshake line: core protocol 1, app protocol 6, TCP address, gRPC, and the server's DER certificate (base64 without padding). */
export function handshakeLine(port: number, certDer: Buffer): string {
  return `1|6|tcp|127.0.0.1:${port}|grpc|${certDer.toString('base64').replace(/=+$/, '')}`;
}

/** A running plugin server. */
export interface PluginServer {
  readonly port: number;
  readonly handshake: string;
  /** Stops serving (in-flight calls finish first). */
  close(): Promise<void>;
}

/** Options of startPluginServer. */
export interface PluginServerOptions {
  /** PEM certificate clients must present (PLUGIN_CLIENT_CERT). */
  readonly clientCertPem: string;
  /** Called after GRPCController/Shutdown was answered. */
  readonly onShutdown: () => void;
}

type Handler = (request: Record<string, unknown>) => unknown;

function unary(handler: Handler): grpc.handleUnaryCall<Record<string, unknown>, unknown> {
  return (call, callback) => {
    Promise.resolve()
      .then(() => handler(call.request))
      .then(
        (response) => callback(null, response),
        (err: unknown) => {
          process.stderr.write(`[ERROR] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
          callback({ code: grpc.status.INTERNAL, details: err instanceof Error ? err.message : String(err) });
        },
      );
  };
}

/** Starts the plugin's gRPC server on a loopback port and returns the handshake line to print. */
export async function startPluginServer(provider: ApigwTerraformProvider, options: PluginServerOptions): Promise<PluginServer> {
  const protos = loadPluginProtos();
  const cert = selfSignedCertificate();
  const server = new grpc.Server({ 'grpc.max_receive_message_length': 256 << 20, 'grpc.max_send_message_length': 256 << 20 });

  server.addService(protos.health, {
    Check: unary((req) => ({ status: req['service'] === '' || req['service'] === 'plugin' ? 'SERVING' : 'SERVICE_UNKNOWN' })),
  });
  server.addService(protos.controller, {
    Shutdown: (_call: unknown, callback: grpc.sendUnaryData<unknown>) => {
      callback(null, {});
      setImmediate(options.onShutdown);
    },
  });
  server.addService(protos.provider, {
    GetProviderSchema: unary(() => provider.getProviderSchema()),
    ValidateProviderConfig: unary((req) => provider.validateProviderConfig(req)),
    ValidateResourceConfig: unary((req) => provider.validateResourceConfig(req)),
    UpgradeResourceState: unary((req) => provider.upgradeResourceState(req)),
    ConfigureProvider: unary((req) => provider.configureProvider(req)),
    ReadResource: unary((req) => provider.readResource(req)),
    PlanResourceChange: unary((req) => provider.planResourceChange(req)),
    ApplyResourceChange: unary((req) => provider.applyResourceChange(req)),
    ImportResourceState: unary((req) => provider.importResourceState(req)),
    StopProvider: unary(() => provider.stopProvider()),
  });

  const credentials = grpc.ServerCredentials.createSsl(
    Buffer.from(options.clientCertPem),
    [{ private_key: Buffer.from(cert.keyPem), cert_chain: Buffer.from(cert.certPem) }],
    true,
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', credentials, (err, bound) => (err ? reject(err) : resolve(bound))),
  );
  return {
    port,
    handshake: handshakeLine(port, cert.der),
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}
