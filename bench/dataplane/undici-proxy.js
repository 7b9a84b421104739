'use strict';
/**
 * The floor of what a Node proxy costs: node:http in front of an undici Pool,
 * relaying with Pool.stream(). No routing, no auth, no header work.
 * Usage: node undici-proxy.js PORT UPSTREAM_URL
 */
const http = require('node:http');
const { Pool } = require('../../packages/runtime/node_modules/undici');

const [port, upstream] = process.argv.slice(2);
const pool = new Pool(upstream, { connections: 128 });

function factory({ statusCode, headers, opaque }) {
  opaque.writeHead(statusCode, { 'content-type': headers['content-type'], 'content-length': headers['content-length'] });
  return opaque;
}

http
  .createServer((req, res) => {
    pool.stream(
      { path: req.url, method: req.method, headers: { 'x-forwarded-for': req.socket.remoteAddress }, body: req.method === 'GET' ? null : req, opaque: res },
      factory,
      (err) => {
        if (err && !res.headersSent) {
          res.statusCode = 502;
          res.end();
        }
      },
    );
  })
  .listen(Number(port), '127.0.0.1', () => process.send?.('ready'));
