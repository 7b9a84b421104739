// Checks the running Node.js before anything else loads: apigw needs
// node:sqlite and other APIs of Node.js 22.13+, and on an older Node the
// first failure would be an obscure "No such built-in module". Written in
// plain old JavaScript so that it runs on any Node.
'use strict';

var MINIMUM = [22, 13];

/** The message for a Node.js version too old for apigw, or null when it is new enough. */
function tooOld(version, execPath) {
  var parts = String(version).replace(/^v/, '').split('.');
  var major = Number(parts[0]);
  var minor = Number(parts[1]);
  if (major > MINIMUM[0] || (major === MINIMUM[0] && minor >= MINIMUM[1])) return null;
  return (
    'apigw needs Node.js ' + MINIMUM.join('.') + ' or newer; this is Node.js ' + version + ' (' + execPath + ').\n' +
    'Get Node.js 22 LTS:\n' +
    '  - nvm install 22 && nvm use 22              (https://github.com/nvm-sh/nvm)\n' +
    '  - or, in your project: npm install --save-dev node@22, then run apigw through npx or an npm script\n' +
    '    (npm puts node_modules/.bin, where that Node.js is, first on the PATH)\n' +
    '  - or download it from https://nodejs.org/en/download\n'
  );
}

/** Exits with the message when the running Node.js is too old. */
function requireNode() {
  var message = tooOld(process.versions.node, process.execPath);
  if (message !== null) {
    process.stderr.write(message);
    process.exit(1);
  }
}

module.exports = { tooOld: tooOld, requireNode: requireNode, MINIMUM: MINIMUM };
