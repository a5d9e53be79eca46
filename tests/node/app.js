// SPDX-License-Identifier: MIT
// app.js MODE: a Node service (built-ins only) whose children call the fake API; used by 65-node.sh.
//   lost         parent builds its client at load time, then child_process.fork()s two children with
//                an environment that drops every *_API_KEY: the children get 401 (CRED_LOST_ON_EXEC,
//                CRED_MISSING)
//   ok           the same, but each child inherits the key and builds its own client: all 200
//   cluster      cluster primary builds its client, then scrubs the key from its own environment
//                ("secrets out of process.env once read"): the workers get 401 (CRED_MISSING)
//   cluster-ok   cluster primary and workers without the scrub: all 200
//   spawn        child_process.spawn of node, execFile of sh that runs node: every process is traced
// Output has no pids or ports, so it is identical with and without the shim. Exit 1 when a call failed.
'use strict';
const http = require('http');
const childProcess = require('child_process');
const cluster = require('cluster');

// A client as the official ones behave: the key is read once, when it is built, and one keep-alive
// connection is pooled by its agent.
function makeClient() {
  const key = process.env.OPENAI_API_KEY ?? '';
  const base = new URL(process.env.OPENAI_BASE_URL);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  function chat(prompt) {
    const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: prompt }] });
    const opts = {
      host: base.hostname, port: base.port, method: 'POST', agent,
      path: base.pathname.replace(/\/$/, '') + '/chat/completions',
      headers: { Authorization: 'Bearer ' + key, 'Content-Type': 'application/json',
                 'Content-Length': Buffer.byteLength(body) },
    };
    return new Promise((resolve, reject) => {
      const req = http.request(opts, (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (c) => { data += c; });
        res.on('end', () => {
          let msg = 'ok';
          try { msg = JSON.parse(data).error?.message ?? msg; } catch { msg = 'bad JSON'; }
          resolve({ status: res.statusCode, message: msg });
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  }
  return { chat, close: () => agent.destroy() };
}

const mode = process.argv[2] || 'lost';
const role = process.argv[3] || (cluster.isWorker ? 'worker' : 'parent');

// A child: builds its own client from its environment, does one job, tells the parent how it went.
async function child() {
  const client = makeClient();
  let r;
  try { r = await client.chat('job'); } catch (e) { r = { status: 0, message: e.code || String(e) }; }
  client.close();
  if (process.send) process.send(r, () => process.disconnect());
  else console.log(JSON.stringify(r));
}

function report(results, warm) {
  console.log(`mode ${mode}: parent warm-up ${warm.status}`);
  let failed = 0;
  results.forEach((r, i) => {
    console.log(`mode ${mode}: child ${i + 1}: ${r.status} ${r.message}`);
    failed += r.status !== 200;
  });
  console.log(`mode ${mode}: ${failed} of ${results.length} children failed`);
  process.exitCode = failed ? 1 : 0;
}

function waitChild(proc, viaIpc) {
  return new Promise((resolve) => {
    let result = { status: 0, message: 'no answer' };
    let out = '';
    if (viaIpc) proc.on('message', (m) => { result = m; });
    else proc.stdout.on('data', (c) => { out += c; });
    proc.on('exit', () => {
      if (!viaIpc) { try { result = JSON.parse(out); } catch { /* keep 'no answer' */ } }
      resolve(result);
    });
  });
}

async function parent() {
  // Load time: the client and its connection exist before any child does.
  const client = makeClient();
  const warm = await client.chat('warm-up');
  const me = process.argv[1];
  let procs;
  if (mode === 'lost' || mode === 'ok') {
    // "Do not leak secrets to workers": a filtered copy of the environment, which drops the key too.
    const env = mode === 'ok' ? process.env :
      Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.endsWith('_API_KEY')));
    procs = [1, 2].map(() => waitChild(childProcess.fork(me, [mode, 'child'], { env }), true));
  } else if (mode === 'cluster' || mode === 'cluster-ok') {
    if (mode === 'cluster') delete process.env.OPENAI_API_KEY;
    procs = [1, 2].map(() => waitChild(cluster.fork(), true));
  } else if (mode === 'spawn') {
    const opts = { stdio: ['ignore', 'pipe', 'inherit'] };
    procs = [
      waitChild(childProcess.spawn(process.execPath, [me, mode, 'child'], opts), false),
      waitChild(childProcess.spawn('/bin/sh', ['-c', `exec "${process.execPath}" "${me}" ${mode} child`],
        opts), false),
    ];
  } else {
    console.error(`app.js: unknown mode ${mode}`);
    process.exit(2);
  }
  const results = await Promise.all(procs);
  client.close();
  report(results, warm);
}

(role === 'parent' ? parent() : child()).catch((e) => {
  console.error(`app.js: ${e.stack || e}`);
  process.exit(3);
});
