#!/usr/bin/env node
// terraform-provider-apigw: the Terraform plugin (protocol 6) of apigw.
// Terraform starts it; run by hand it explains that and exits 1.
'use strict';
require('./require-node.js').requireNode();
const { runPlugin } = require('../dist/terraform/main.js');

process.on('SIGINT', () => undefined);
runPlugin(process.env).catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
