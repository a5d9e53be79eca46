// SPDX-License-Identifier: MIT
// esm_main.mjs: the ES module app of tests/cases/67-node-adapter.sh: an import-time read in another
// module, a read in a function, and a top-level read after a top-level await (still module evaluation).
import { loaded, makeClient } from './esm_mod.mjs';

console.log('esm loaded', loaded, 'client key length', makeClient().key.length);
await new Promise((resolve) => setTimeout(resolve, 1));
const late = process.env.CT_LATE_API_KEY; // @late
console.log('late', late === undefined ? 'absent' : late.length);
