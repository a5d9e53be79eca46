// SPDX-License-Identifier: MIT
// cjs_mod.js: a CommonJS module that reads one key while it is evaluated and one inside a function.
'use strict';
const atLoad = process.env.CT_MOD_API_KEY; // @mod
function getKey() {
  return process.env.CT_FN_API_KEY; // @fn
}
module.exports = { getKey, loaded: atLoad !== undefined };
