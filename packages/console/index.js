'use strict';
/**
 * @apigw/console: the gateway console's built static assets. The runtime
 * serves the files of `assetsDir` at /console/ on the admin listener.
 */
const { join } = require('node:path');

/** Directory of the built assets (index.html, console.js, console.css). */
exports.assetsDir = join(__dirname, 'dist');
