// SPDX-License-Identifier: MIT
// attach_env.js STATE_DIR SECONDS: started without credtrace; reads process.env.OPENAI_API_KEY every
// 20 ms and counts the reads in STATE_DIR/count (the attach test's Node target).
'use strict';
const fs = require('fs');
const path = require('path');
const [state, seconds] = [process.argv[2], Number(process.argv[3])];
let n = 0;
const t = setInterval(() => {
  if (process.env.OPENAI_API_KEY) n++;
  fs.writeFileSync(path.join(state, 'count.tmp'), `${n}\n`);
  fs.renameSync(path.join(state, 'count.tmp'), path.join(state, 'count'));
}, 20);
setTimeout(() => clearInterval(t), seconds * 1000);
