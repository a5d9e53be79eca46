// SPDX-License-Identifier: MIT
// worker.js: worker threads, one sharing the process environment (its read is a getenv read with a
// line) and one with Node's default copy (its read never reaches getenv). tests/cases/67-node-adapter.sh.
'use strict';
const { Worker, SHARE_ENV } = require('worker_threads');

function run(env) {
  return new Promise((resolve) => {
    const w = new Worker(`${__dirname}/worker_job.js`, { env });
    w.on('message', resolve);
  });
}

(async () => {
  console.log('shared', await run(SHARE_ENV));
  console.log('copied', await run(undefined));
})();
