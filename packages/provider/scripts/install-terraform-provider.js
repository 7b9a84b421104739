#!/usr/bin/env node
/**
 * Installs terraform-provider-apigw into a Terraform filesystem mirror, so
 * that `terraform init` (and `cdktf deploy`) find it offline:
 *
 *   <mirror>/registry.terraform.io/apigw/apigw/<version>/<os>_<arch>/terraform-provider-apigw_v<version>
 *
 * The installed executable is a small shell script that runs
 * bin/terraform-provider-apigw.js (the built plugin) with this Node.js,
 * whatever `node` is on the PATH Terraform passes on. With --cli-config FILE it also writes a
 * Terraform CLI configuration that takes apigw/* from the mirror and
 * everything else from the registry; point TF_CLI_CONFIG_FILE at it.
 *
 * Usage: node scripts/install-terraform-provider.js <mirror-dir> [--cli-config FILE]
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const PACKAGE_DIR = path.join(__dirname, '..');
const { version } = require('../package.json');
const NAMESPACE = 'apigw';
const NAME = 'apigw';

/** Terraform's name of this platform (`linux_amd64`). */
function terraformPlatform() {
  const arch = { x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'arm' }[process.arch] || process.arch;
  return `${process.platform}_${arch}`;
}

/**
 * Writes the provider into `mirrorDir` and returns the executable's path.
 * `nodePath` is the Node.js binary the plugin runs on (default: this one).
 */
function installProvider(mirrorDir, options = {}) {
  const built = path.join(PACKAGE_DIR, 'dist', 'terraform', 'main.js');
  if (!fs.existsSync(built)) throw new Error(`${built} does not exist: build first (npx tsc -b packages/provider)`);
  // The plugin's gRPC stack is an optional peer dependency: refuse here, not when Terraform first starts the plugin.
  require(path.join(PACKAGE_DIR, 'dist', 'toolchains.js')).requireToolchain('terraform');
  const main = path.join(PACKAGE_DIR, 'bin', 'terraform-provider-apigw.js');
  const node = options.nodePath || process.execPath;
  const dir = path.join(path.resolve(mirrorDir), 'registry.terraform.io', NAMESPACE, NAME, version, terraformPlatform());
  fs.mkdirSync(dir, { recursive: true });
  const executable = path.join(dir, `terraform-provider-${NAME}_v${version}`);
  const quote = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
  fs.writeFileSync(executable, `#!/bin/sh\nexec ${quote(node)} ${quote(main)} "$@"\n`, { mode: 0o755 });
  return executable;
}

/** A Terraform CLI configuration that installs apigw/* from `mirrorDir` and nothing else from there. */
function cliConfig(mirrorDir) {
  const include = `registry.terraform.io/${NAMESPACE}/*`;
  return [
    'provider_installation {',
    '  filesystem_mirror {',
    `    path    = ${JSON.stringify(path.resolve(mirrorDir))}`,
    `    include = [${JSON.stringify(include)}]`,
    '  }',
    '  direct {',
    `    exclude = [${JSON.stringify(include)}]`,
    '  }',
    '}',
    '',
  ].join('\n');
}

module.exports = { installProvider, cliConfig, terraformPlatform, version };

if (require.main === module) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--cli-config');
  const configFile = at >= 0 ? args.splice(at, 2)[1] : undefined;
  const mirror = args[0];
  if (!mirror || (at >= 0 && !configFile)) {
    process.stderr.write('usage: install-terraform-provider.js <mirror-dir> [--cli-config FILE]\n');
    process.exit(2);
  }
  try {
    const executable = installProvider(mirror);
    process.stdout.write(`installed ${executable}\n`);
    if (configFile) {
      fs.writeFileSync(configFile, cliConfig(mirror));
      process.stdout.write(`wrote ${path.resolve(configFile)}; export TF_CLI_CONFIG_FILE=${path.resolve(configFile)}\n`);
    }
  } catch (err) {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
}
