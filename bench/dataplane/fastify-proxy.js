'use strict';
/**
 * A typical Node gateway: fastify with @fastify/reply-from (undici inside).
 * Usage: node fastify-proxy.js PORT UPSTREAM_URL
 */
const Fastify = require('fastify');
const [port, upstream] = process.argv.slice(2);

const app = Fastify({ logger: false });
app.register(require('@fastify/reply-from'), { base: upstream, undici: { connections: 128, pipelining: 1 } });
app.all('/*', (request, reply) => {
  reply.from(request.url);
});
app.listen({ port: Number(port), host: '127.0.0.1' }).then(() => process.send?.('ready'));
