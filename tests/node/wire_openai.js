// SPDX-License-Identifier: MIT
// wire_openai.js MODE: two chat.completions calls through the official npm `openai` client
// (tests/node/node_modules/openai, pinned in tests/node/package.json) to OPENAI_BASE_URL; prints the
// status of each ("200" or the APIError's status), never a value. Used by tests/cases/62-wire.sh.
//   healthy  the client reads OPENAI_API_KEY when it is built
//   stale    the client is built at load time; then OPENAI_API_KEY is replaced from the .env file
//            named by WIRE_DOTENV (the rotated key), as a late dotenv load with override does
'use strict';
const fs = require('fs');
const path = require('path');
const OpenAI = require(path.join(__dirname, 'node_modules', 'openai'));

const mode = process.argv[2];
const client = new OpenAI({ maxRetries: 0 });
if (mode === 'stale') {
  for (const line of fs.readFileSync(process.env.WIRE_DOTENV, 'utf8').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) process.env[line.slice(0, eq)] = line.slice(eq + 1);
  }
} else if (mode !== 'healthy') {
  console.error('wire_openai: unknown mode ' + mode);
  process.exit(2);
}

async function call() {
  try {
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    return '200';
  } catch (e) {
    return e instanceof OpenAI.APIError ? String(e.status) : e.constructor.name;
  }
}

(async () => {
  const a = await call();
  const b = await call();
  console.log(a + ' ' + b);
})();
