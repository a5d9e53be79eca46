// SPDX-License-Identifier: MIT
// node_env.js [N]: N process.env reads of ordinary (non-credential) names, the cost the Node adapter
// adds to every read (a Proxy trap and a name lookup). Run by bench/bench.py (row node_env).
'use strict';
const names = ['PATH', 'HOSTNAME', 'LANG', 'NODE_ENV', 'APP_ENV', 'LOG_LEVEL', 'PORT', 'TZ'];
const n = Number(process.argv[2]) || 300000;
let total = 0;
for (let i = 0; i < n; i++) {
  const v = process.env[names[i & 7]];
  if (v !== undefined) total += v.length;
}
if (total === 0) process.exitCode = 1; // the names are in bench.py's fixed environment
