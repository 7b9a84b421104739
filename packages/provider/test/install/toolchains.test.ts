/**
 * The IaC toolchains are optional peer dependencies of @apigw/provider: the
 * package declares them so, the main entry and the CLI load none of them,
 * and an integration entry without its toolchain refuses with the command
 * that installs it. install.test.ts proves the same in a fresh project
 * where they are really absent.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { TYPESCRIPT_MAJORS } from '../../src/desired/type-check';
import { ProviderError, ToolchainMissingError } from '../../src/errors';
import { TOOLCHAINS, requireToolchain, type Toolchain } from '../../src/toolchains';

const packageDir = path.resolve(__dirname, '../..');
const manifest = require(path.join(packageDir, 'package.json')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
};
const toolchainPackages: string[] = Object.values(TOOLCHAINS).flatMap((t) => [...t.packages]);

describe('the package manifest', () => {
  it.each(toolchainPackages)('declares %s an optional peer dependency, installed in the workspace for its own build and tests', (pkg) => {
    expect(manifest.dependencies[pkg]).toBeUndefined();
    expect(manifest.peerDependencies[pkg]).toMatch(/^\^\d/);
    expect(manifest.peerDependenciesMeta[pkg]).toEqual({ optional: true });
    expect(manifest.devDependencies[pkg]).toBe(manifest.peerDependencies[pkg]);
  });

  it('declares as its TypeScript peer range the versions the type-check uses', () => {
    expect(manifest.peerDependencies['typescript']).toBe(`>=${TYPESCRIPT_MAJORS.from}.0 <${TYPESCRIPT_MAJORS.below}`);
    expect(manifest.peerDependenciesMeta['typescript']).toEqual({ optional: true });
    expect(manifest.dependencies['typescript']).toBeUndefined();
  });
});

describe('requireToolchain', () => {
  it.each(Object.keys(TOOLCHAINS) as Toolchain[])('finds the %s toolchain where it is installed (this workspace)', (name) => {
    expect(() => requireToolchain(name)).not.toThrow();
  });

  it('names the entry, the missing package and the command that installs it at the declared range', () => {
    let thrown: unknown;
    try {
      requireToolchain('pulumi', () => false);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ToolchainMissingError);
    expect(thrown).toBeInstanceOf(ProviderError);
    const err = thrown as ToolchainMissingError;
    expect(err.code).toBe('APIGW_TOOLCHAIN_MISSING');
    expect(err.entry).toBe('@apigw/provider/pulumi');
    expect(err.missing).toEqual(['@pulumi/pulumi']);
    expect(err.install).toBe(`npm install "@pulumi/pulumi@${manifest.peerDependencies['@pulumi/pulumi']}"`);
    expect(err.message).toBe(
      '@apigw/provider/pulumi needs @pulumi/pulumi, which is not installed in this project ' +
        `(the apigw command and the other integrations do not need it). Install: npm install "@pulumi/pulumi@${manifest.peerDependencies['@pulumi/pulumi']}"`,
    );
  });

  it('lists only the packages that are missing', () => {
    expect(() => requireToolchain('terraform', (pkg) => pkg === '@grpc/grpc-js')).toThrow(
      /^terraform-provider-apigw needs @grpc\/proto-loader, which is not installed .* Install: npm install "@grpc\/proto-loader@\^[\d.]+"$/,
    );
    expect(() => requireToolchain('terraform', () => false)).toThrow(
      /^terraform-provider-apigw needs @grpc\/grpc-js and @grpc\/proto-loader, which are not installed .*npm install "@grpc\/grpc-js@\^[\d.]+" "@grpc\/proto-loader@\^[\d.]+"$/,
    );
  });
});

describe('what each built entry loads', () => {
  /** The packages under node_modules that requiring `entry` (from dist/) loads. */
  function packagesLoadedBy(entry: string): string[] {
    const script =
      `require(${JSON.stringify(path.join(packageDir, entry))});` +
      'const names = new Set();' +
      "for (const file of Object.keys(require.cache)) { const m = /.*node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(file); if (m) names.add(m[1]); }" +
      'process.stdout.write(JSON.stringify([...names]));';
    const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect([run.status, run.status === 0 ? '' : run.stderr]).toEqual([0, '']);
    return JSON.parse(run.stdout) as string[];
  }

  it.each(['dist/index.js', 'dist/cli/main.js'])('%s loads no toolchain', (entry) => {
    const loaded = packagesLoadedBy(entry);
    expect(loaded).toContain('commander');
    expect(loaded.filter((p) => toolchainPackages.includes(p) || p === 'typescript')).toEqual([]);
  });

  it.each([
    ['dist/pulumi/index.js', '@pulumi/pulumi'],
    ['dist/cdktf/index.js', 'cdktf'],
    ['dist/terraform/main.js', '@grpc/grpc-js'],
  ])('%s loads its own toolchain (%s)', (entry, pkg) => {
    const loaded = packagesLoadedBy(entry);
    expect(loaded).toContain(pkg);
  });
});
