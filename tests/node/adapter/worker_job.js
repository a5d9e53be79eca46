// SPDX-License-Identifier: MIT
// worker_job.js: the body of worker.js's threads: reads one key inside a function.
'use strict';
const { parentPort } = require('worker_threads');
function job() {
  return (process.env.CT_WORKER_API_KEY || '').length; // @wjob
}
parentPort.postMessage(job());
