'use strict';
/**
 * What the benchmarks share: free loopback ports, processes pinned to a
 * core and stopped by PID, nginx configurations in a temporary directory,
 * wrk runs and their parsing, and a process's memory and CPU time from /proc.
 *
 *   const h = createHarness({ loadCpu: '1' });
 *   const port = await h.freePort();
 *   h.start('0', 'nginx', ['-c', h.nginxConf('origin', serverBlock)], 'nginx');
 *   await h.waitPort(port);
 *   const { rps, p50, p99 } = h.wrk(url, headers, seconds);
 *   await h.stopChildren();
 *
 * Every child is killed when the process exits, and the directory removed.
 */
const { spawn, spawnSync } = require('node:child_process');
const { mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const net = require('node:net');
const { tmpdir } = require('node:os');
const { join, resolve: resolvePath } = require('node:path');

/** Whether a command is on the PATH (a quick run uses what the machine has and installs nothing). */
function installed(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** The directory after `--name` on the command line, resolved, or null when the option is absent. */
function pathOption(name, args = process.argv.slice(2)) {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? null : resolvePath(args[i + 1]);
}

/** The median of a list of numbers (the mean of the middle two for an even count). */
function median(list) {
  const s = [...list].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The number after `--name` on the command line, or `dflt`. */
function numberOption(name, dflt, args = process.argv.slice(2)) {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? dflt : Number(args[i + 1]);
}

function createHarness({ loadCpu, prefix = 'apigw-bench-' }) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const children = new Set();

  function stopAll() {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    children.clear();
  }
  process.on('exit', () => {
    stopAll();
    rmSync(dir, { recursive: true, force: true });
  });
  process.on('SIGINT', () => process.exit(130));

  function freePort() {
    return new Promise((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address();
        s.close(() => resolve(port));
      });
    });
  }

  async function waitPort(port, timeoutMs = 20000) {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const ok = await new Promise((resolve) => {
        const sock = net.connect(port, '127.0.0.1', () => {
          sock.destroy();
          resolve(true);
        });
        sock.on('error', () => resolve(false));
      });
      if (ok) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`port ${port} did not open`);
  }

  /** Starts a process pinned to a core (taskset execs it: the PID is the process's own). */
  function start(cpu, command, argv, label) {
    const child = spawn('taskset', ['-c', cpu, command, ...argv], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    child.on('exit', (code, signal) => {
      children.delete(child);
      if (code && code !== 0 && signal === null) process.stderr.write(`${label} exited with ${code}: ${stderr}\n`);
    });
    children.add(child);
    return child;
  }

  /** Stops the children by PID: SIGTERM, then SIGKILL for any still running after 3 s. */
  async function stopChildren() {
    const waits = [...children].map(
      (child) =>
        new Promise((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 3000).unref();
        }),
    );
    await Promise.all(waits);
  }

  /** Writes an nginx configuration (one worker, no daemon, temp paths in the directory) around `body` (http-level directives). */
  function nginxConf(name, body) {
    const file = join(dir, `${name}.conf`);
    writeFileSync(
      file,
      `daemon off;\nmaster_process off;\nworker_processes 1;\npid ${join(dir, name + '.pid')};\nerror_log ${join(dir, name + '.err')} warn;\n` +
        `events { worker_connections 4096; }\nhttp {\n  access_log off;\n  client_body_temp_path ${dir}/${name}-body;\n  proxy_temp_path ${dir}/${name}-proxy;\n` +
        `  fastcgi_temp_path ${dir}/${name}-fcgi;\n  uwsgi_temp_path ${dir}/${name}-uwsgi;\n  scgi_temp_path ${dir}/${name}-scgi;\n  keepalive_requests 1000000;\n${body}\n}\n`,
    );
    return file;
  }

  function parseWrk(text) {
    const unit = (v, u) => Number(v) * ({ us: 0.001, ms: 1, s: 1000 }[u] ?? 1);
    const rps = /Requests\/sec:\s+([\d.]+)/.exec(text);
    const p = (q) => {
      const m = new RegExp(`\\s${q}%\\s+([\\d.]+)(us|ms|s)`).exec(text);
      return m ? unit(m[1], m[2]) : NaN;
    };
    const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(text);
    const total = /(\d+) requests in/.exec(text);
    const errors = /Socket errors:(.*)/.exec(text);
    return {
      rps: rps ? Number(rps[1]) : NaN,
      requests: total ? Number(total[1]) : NaN,
      p50: p('50'),
      p99: p('99'),
      non2xx: non2xx ? Number(non2xx[1]) : 0,
      errors: errors ? errors[1].trim() : '',
    };
  }

  const haveWrk = installed('wrk');
  /**
   * One wrk run (one thread, `connections` keep-alive connections, 50 by
   * default) on the load core; where wrk is not installed, bench/load.js,
   * a closed-loop Node generator printing the same summary.
   */
  function wrk(url, headers, seconds, connections = 50) {
    const h = Object.entries(headers ?? {}).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
    const load = haveWrk
      ? ['wrk', '-t1', `-c${connections}`, `-d${seconds}s`, '--latency', ...h, url]
      : [process.execPath, join(__dirname, 'load.js'), url, String(seconds), String(connections), JSON.stringify(headers ?? {})];
    const r = spawnSync('taskset', ['-c', loadCpu, ...load], { encoding: 'utf8', timeout: (seconds + 15) * 1000 });
    if (r.status !== 0) throw new Error(`wrk failed: ${r.stderr || r.error}`);
    return parseWrk(r.stdout);
  }

  function statusMb(pid, field) {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  }

  const tickMs = 1000 / Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);
  /** User + system CPU time a process has used, in ms (/proc/PID/stat fields 14 and 15). */
  function cpuMs(pid) {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * tickMs;
  }

  /**
   * Starts the fixed backend of the data-plane benches on `cpu`: nginx
   * answering a 45-byte JSON body (where nginx is not installed, a Node
   * server answering the same body).
   */
  async function startJsonBackend(cpu) {
    const port = await freePort();
    const json = '{"ok":true,"service":"bench","items":[1,2,3]}';
    const body = `  server {\n    listen 127.0.0.1:${port};\n    location / { default_type application/json; return 200 '${json}'; }\n  }`;
    const node = `require('node:http').createServer((q, s) => s.writeHead(200, { 'content-type': 'application/json', 'content-length': ${json.length} }).end(${JSON.stringify(json)})).listen(${port}, '127.0.0.1')`;
    const child = installed('nginx') ? start(cpu, 'nginx', ['-c', nginxConf('backend', body)], 'backend nginx') : start(cpu, process.execPath, ['-e', node], 'backend node');
    await waitPort(port);
    return { url: `http://127.0.0.1:${port}`, pid: child.pid };
  }

  return {
    dir,
    startJsonBackend,
    freePort,
    waitPort,
    start,
    stopChildren,
    nginxConf,
    wrk,
    rssMb: (pid) => statusMb(pid, 'VmRSS'),
    hwmMb: (pid) => statusMb(pid, 'VmHWM'),
    cpuMs,
  };
}

module.exports = { createHarness, numberOption, pathOption, median, installed };
