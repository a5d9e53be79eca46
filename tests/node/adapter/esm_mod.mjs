// SPDX-License-Identifier: MIT
// esm_mod.mjs: an ES module that reads one key while it is evaluated and one inside a function.
export const loaded = process.env.CT_EMOD_API_KEY !== undefined; // @emod
export function makeClient() {
  return { key: process.env.CT_EFN_API_KEY ?? '' }; // @efn
}
