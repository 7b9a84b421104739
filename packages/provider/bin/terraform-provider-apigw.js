#!/usr/bin/env node
// terraform-provider-apigw: the Terraform plugin (protocol 6) of apigw.
// Terraform starts it; run by hand it explains that and exits 1.
'use strict';
require('./require-node.js').requireNode();
let runPlugin;
try {
  ({ runPlugin } = require('../dist/terraform/main.js'));
} catch (err) {
  // Without its gRPC stack (an optional peer dependency) the plugin says what to install.
  if (err === null || typeof err !== 'object' || err.code !== 'APIGW_TOOLCHAIN_MISSING') throw err;
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
}

process.on('SIGINT', () => undefined);
runPlugin(process.env).catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
