#!/usr/bin/env node
'use strict';
require('./require-node.js').requireNode();
require('../dist/cli/main.js').run();
