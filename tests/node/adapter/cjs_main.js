// SPDX-License-Identifier: MIT
// cjs_main.js MODE: the CommonJS app of tests/cases/67-node-adapter.sh. Reads in another module at load
// time and in a function, in a method, a bulk copy (not a read), a loop of its own (a read), a write
// and a delete of a credential (their set records get the line), then:
//   plain     nothing more
//   fork      child_process.fork of itself: the child reads in a function
//   cluster   two cluster workers read in a function
//   nodeopts  a child started with NODE_OPTIONS of the app's own (the adapter is not loaded there)
// Output has no pids, so it is identical with and without credtrace.
'use strict';
const childProcess = require('child_process');
const cluster = require('cluster');
const mod = require('./cjs_mod');

class Settings {
  load() {
    return 'CT_IN_TOKEN' in process.env; // @in
  }
}

function childWork() {
  return (process.env.CT_CHILD_API_KEY || '').length; // @child
}

function waitExit(proc) {
  return new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
}

async function main(mode) {
  console.log('module loaded', mod.loaded, 'key length', (mod.getKey() || '').length);
  console.log('settings', new Settings().load());
  const copy = { ...process.env };
  console.log('copy has bulk key', 'CT_BULK_API_KEY' in copy);
  let loop = 0;
  for (const k of Object.keys(process.env)) {
    if (k === 'CT_LOOP_API_KEY') loop = process.env[k].length; // @loop
  }
  console.log('loop', loop);
  process.env.CT_SET_API_KEY = 'set-by-the-app'; // @set
  delete process.env.CT_SET_API_KEY; // @del
  const me = __filename;
  if (mode === 'fork') {
    console.log('child exit', await waitExit(childProcess.fork(me, ['child'])));
  } else if (mode === 'nodeopts') {
    const env = { ...process.env, NODE_OPTIONS: '--max-old-space-size=256' };
    const p = childProcess.spawn(process.execPath, [me, 'child'], { env, stdio: 'inherit' });
    console.log('child exit', await waitExit(p));
  } else if (mode === 'cluster') {
    const codes = await Promise.all([cluster.fork(), cluster.fork()].map(waitExit));
    console.log('workers exit', codes.join(' '));
  }
}

if (cluster.isWorker) {
  console.log('worker key length', childWork());
  process.exit(0);
} else if (process.argv[2] === 'child') {
  console.log('child key length', childWork());
} else {
  main(process.argv[2] || 'plain').catch((e) => {
    console.error(e);
    process.exit(3);
  });
}
