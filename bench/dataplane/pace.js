'use strict';
/**
 * A paced load generator (wrk2 is not in Debian): sends RATE requests per
 * second for SECONDS over keep-alive connections and reports latency
 * percentiles measured from each request's scheduled time, so a stall is
 * counted against every request it delays (no coordinated omission).
 * Usage: node pace.js URL RATE SECONDS [HEADERS_JSON]  -> prints JSON
 */
const { Pool } = require('../../packages/runtime/node_modules/undici');

const [url, rateArg, secondsArg, headersArg] = process.argv.slice(2);
const rate = Number(rateArg);
const seconds = Number(secondsArg);
const headers = headersArg ? JSON.parse(headersArg) : {};
const u = new URL(url);
const pool = new Pool(u.origin, { connections: 64 });
const path = u.pathname + u.search;
const total = Math.round(rate * seconds);
const latencies = new Float64Array(total);
let sent = 0;
let done = 0;
let errors = 0;
let non2xx = 0;
const start = performance.now();
const interval = 1000 / rate;

function fire(index) {
  const scheduled = start + index * interval;
  pool.request({ path, method: 'GET', headers }).then(
    ({ statusCode, body }) => {
      if (statusCode >= 300) non2xx++;
      body.dump().then(() => finish(index, scheduled), () => finish(index, scheduled));
    },
    () => {
      errors++;
      finish(index, scheduled);
    },
  );
}

function finish(index, scheduled) {
  latencies[index] = performance.now() - scheduled;
  if (++done === total) report();
}

function tick() {
  const due = Math.min(total, Math.floor((performance.now() - start) / interval) + 1);
  while (sent < due) fire(sent++);
  if (sent < total) setTimeout(tick, 1);
}

function report() {
  const sorted = Array.from(latencies).sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  process.stdout.write(JSON.stringify({ count: total, errors, non2xx, p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] }) + '\n');
  pool.close().then(() => process.exit(0));
}

setTimeout(() => {
  process.stderr.write(`pace: gave up after ${seconds + 10}s with ${done}/${total} answered\n`);
  process.exit(1);
}, (seconds + 10) * 1000).unref();
tick();
