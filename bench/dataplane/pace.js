'use strict';
/**
 * A paced load generator (wrk2 is not in Debian): after 500 untimed
 * warm-up requests, sends RATE requests per second for SECONDS over
 * keep-alive connections and reports latency
 * percentiles: `p50`/`p99` from each request's send, and `scheduledP99`
 * from its scheduled time (which also counts the generator's own stalls
 * against every request they delay).
 * Usage: node pace.js URL RATE SECONDS [HEADERS_JSON] [--raw]  -> prints JSON
 * (with --raw, also every latency from send, in ms, as `latencies`)
 */
const { Pool } = require('../../packages/runtime/node_modules/undici');

const [url, rateArg, secondsArg, headersArg, rawFlag] = process.argv.slice(2);
const rate = Number(rateArg);
const seconds = Number(secondsArg);
const headers = headersArg ? JSON.parse(headersArg) : {};
const u = new URL(url);
const pool = new Pool(u.origin, { connections: 64 });
const path = u.pathname + u.search;
const total = Math.round(rate * seconds);
const latencies = new Float64Array(total);
const fromSchedule = new Float64Array(total);
let sent = 0;
let done = 0;
let errors = 0;
let non2xx = 0;
let start = 0;
const interval = 1000 / rate;

function fire(index) {
  const sentAt = performance.now();
  pool.request({ path, method: 'GET', headers }).then(
    ({ statusCode, body }) => {
      if (statusCode >= 300) non2xx++;
      body.dump().then(() => finish(index, sentAt), () => finish(index, sentAt));
    },
    () => {
      errors++;
      finish(index, sentAt);
    },
  );
}

function finish(index, sentAt) {
  const now = performance.now();
  latencies[index] = now - sentAt;
  fromSchedule[index] = now - (start + index * interval);
  if (++done === total) report();
}

function tick() {
  const due = Math.min(total, Math.floor((performance.now() - start) / interval) + 1);
  while (sent < due) fire(sent++);
  if (sent < total) setTimeout(tick, 1);
}

function report() {
  const sorted = Array.from(latencies).sort((a, b) => a - b);
  const scheduled = Array.from(fromSchedule).sort((a, b) => a - b);
  const at = (list, q) => list[Math.min(list.length - 1, Math.floor(q * list.length))];
  process.stdout.write(
    JSON.stringify({
      count: total,
      errors,
      non2xx,
      p50: at(sorted, 0.5),
      p99: at(sorted, 0.99),
      max: sorted[sorted.length - 1],
      scheduledP99: at(scheduled, 0.99),
      ...(rawFlag === '--raw' ? { latencies: sorted.map((x) => Math.round(x * 1000) / 1000) } : {}),
    }) + '\n',
  );
  pool.close().then(() => process.exit(0));
}

/** Untimed requests first, so connections are open and both sides' code is warm when timing starts. */
async function warmUp(count, concurrency) {
  let next = 0;
  const lane = async () => {
    while (next++ < count) {
      const { body } = await pool.request({ path, method: 'GET', headers });
      await body.dump();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
}

setTimeout(() => {
  process.stderr.write(`pace: gave up after ${seconds + 10}s with ${done}/${total} answered\n`);
  process.exit(1);
}, (seconds + 10) * 1000).unref();
warmUp(500, 8).then(
  () => {
    start = performance.now();
    tick();
  },
  (err) => {
    process.stderr.write(`pace: warm-up failed: ${err.message}\n`);
    process.exit(1);
  },
);
