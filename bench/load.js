'use strict';
/**
 * A closed-loop load generator for machines without wrk (the benches' quick
 * runs, which install nothing): CONNECTIONS keep-alive connections, each
 * sending its next request once the previous answer is read, for SECONDS.
 * Prints wrk's summary lines that harness.wrk() reads (requests, req/s,
 * p50 and p99 latency, non-2xx answers, socket errors), so a bench reads
 * it as it reads wrk. Not a measuring tool: wrk is.
 * Usage: node bench/load.js URL SECONDS CONNECTIONS [HEADERS_JSON]
 */
const { Pool } = require('../packages/runtime/node_modules/undici');

const [url, secondsArg, connectionsArg, headersArg] = process.argv.slice(2);
const seconds = Number(secondsArg);
const connections = Number(connectionsArg);
const headers = headersArg ? JSON.parse(headersArg) : {};
const target = new URL(url);
const pool = new Pool(target.origin, { connections, pipelining: 1 });
const path = target.pathname + target.search;
const latencies = [];
let non2xx = 0;
let errors = 0;

async function lane(until) {
  while (performance.now() < until) {
    const sentAt = performance.now();
    try {
      const { statusCode, body } = await pool.request({ path, method: 'GET', headers });
      await body.dump();
      if (statusCode >= 400) non2xx++;
    } catch {
      errors++;
    }
    latencies.push(performance.now() - sentAt);
  }
}

async function main() {
  const started = performance.now();
  await Promise.all(Array.from({ length: connections }, () => lane(started + seconds * 1000)));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q) => (latencies.length === 0 ? 0 : latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]);
  const lines = [
    `  Latency Distribution`,
    `     50%    ${at(0.5).toFixed(2)}ms`,
    `     99%    ${at(0.99).toFixed(2)}ms`,
    `  ${latencies.length} requests in ${elapsed.toFixed(2)}s`,
  ];
  if (non2xx) lines.push(`  Non-2xx or 3xx responses: ${non2xx}`);
  if (errors) lines.push(`  Socket errors: ${errors} failed requests`);
  lines.push(`Requests/sec: ${(latencies.length / elapsed).toFixed(2)}`);
  process.stdout.write(lines.join('\n') + '\n');
  await pool.close();
}

main().catch((err) => {
  process.stderr.write(`load: ${err.stack}\n`);
  process.exit(1);
});
