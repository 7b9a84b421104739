/**
 * The IaC toolchains the integrations of this package run on and the
 * `apigw` command does not: Pulumi's SDK, CDKTF and the gRPC stack of the
 * Terraform plugin. Each is an optional peer dependency (package.json
 * holds their version ranges), so a project that uses only the CLI, only
 * CDKTF or only Pulumi installs only what it uses. Each integration entry
 * calls `requireToolchain` before it imports its toolchain: a project
 * without it gets a ToolchainMissingError naming what to install, not a
 * MODULE_NOT_FOUND from deep inside the entry.
 */
import { ToolchainMissingError } from './errors';

/** Each integration: the entry a user loads and the packages it needs beside this one. */
export const TOOLCHAINS = {
  pulumi: { entry: '@apigw/provider/pulumi', packages: ['@pulumi/pulumi'] },
  cdktf: { entry: '@apigw/provider/cdktf', packages: ['cdktf'] },
  terraform: { entry: 'terraform-provider-apigw', packages: ['@grpc/grpc-js', '@grpc/proto-loader'] },
} as const;

/** The name of an integration in TOOLCHAINS. */
export type Toolchain = keyof typeof TOOLCHAINS;

/** The version ranges this package declares for its peer dependencies (its package.json, one level above src/ and dist/). */
function peerRanges(): Readonly<Record<string, string>> {
  return (require('../package.json') as { peerDependencies: Record<string, string> }).peerDependencies;
}

/** Whether `pkg` resolves from this package, as the integration's own imports would resolve it. */
function resolves(pkg: string): boolean {
  try {
    require.resolve(pkg);
    return true;
  } catch (err) {
    // Anything but "not found" (a package that is there but broken) is for its import to report.
    return (err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND';
  }
}

/** Throws ToolchainMissingError when a package the integration needs is not installed. */
export function requireToolchain(name: Toolchain, isInstalled: (pkg: string) => boolean = resolves): void {
  const { entry, packages } = TOOLCHAINS[name];
  const missing = packages.filter((pkg) => !isInstalled(pkg));
  if (missing.length === 0) return;
  const ranges = peerRanges();
  const install = `npm install ${missing.map((pkg) => `"${pkg}@${ranges[pkg] ?? 'latest'}"`).join(' ')}`;
  throw new ToolchainMissingError(entry, missing, install);
}
