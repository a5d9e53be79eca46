// SPDX-License-Identifier: MIT
// credtrace-node.cjs: the Node.js adapter, loaded by NODE_OPTIONS=--require before the application.
// It makes process.env reads of credential names tell the shim (libcredtrace.so, shim/node.c) their
// JavaScript file:line, function and whether they ran during module evaluation. Without the shim in
// the process (or in a worker thread, whose process.env is a copy) it does nothing at all.
'use strict';

(function credtraceNode() {
  const env = process.env;
  // Messages to the shim are reads of reserved names from the original process.env object: Node
  // passes them to getenv, whose hook answers (shim/node.c). No shim: undefined, and we stop here.
  const MARK = '\x1fcredtrace:';
  const SELF = __filename;
  delete require.cache[SELF]; // the application's require.cache stays as it would be
  let hello;
  try {
    hello = env[MARK + 'hello:1:node:' + process.version];
  } catch {
    return;
  }
  if (hello !== '1') return;

  const R = Reflect;
  const hasOwn = Object.prototype.hasOwnProperty;
  // Frames looked at: the reader is the first outside Node's own code, nearly always the first one;
  // a stack capture costs about 1 us per frame, so a short one first, a longer one when needed.
  const SHORT = 3;
  const DEPTH = 12;
  const END = MARK + 'e';
  const MUTE = MARK + 'm';

  // Credential name? The shim's classifier answers once per name (CREDTRACE_VARS included); after
  // that an ordinary name costs this Map lookup.
  const known = new Map();
  function isCred(k) {
    if (typeof k !== 'string') return false;
    let c = known.get(k);
    if (c === undefined) {
      c = env[MARK + 'q:' + k] === '1';
      if (known.size < 4096) known.set(k, c);
    }
    return c;
  }

  // The call sites above fn (V8's structured stack trace), or [] when the application froze Error.
  // Error's own properties are put back exactly as they were.
  const rawSites = (e, cs) => cs;
  function callSites(fn, depth) {
    const E = Error;
    const hadPrep = hasOwn.call(E, 'prepareStackTrace');
    const hadLimit = hasOwn.call(E, 'stackTraceLimit');
    const prep = E.prepareStackTrace;
    const limit = E.stackTraceLimit;
    let cs = [];
    try {
      E.prepareStackTrace = rawSites;
      E.stackTraceLimit = depth;
      const o = {};
      E.captureStackTrace(o, fn);
      cs = o.stack;
    } catch {
      cs = [];
    } finally {
      try {
        if (hadPrep) E.prepareStackTrace = prep;
        else delete E.prepareStackTrace;
        if (hadLimit) E.stackTraceLimit = limit;
        else delete E.stackTraceLimit;
      } catch { /* frozen: nothing was changed */ }
    }
    return Array.isArray(cs) ? cs : [];
  }

  // The first frame of the application's code: not Node's own modules, not builtins (no file).
  function userFrame(cs) {
    for (let i = 0; i < cs.length; i++) {
      const f = cs[i].getFileName();
      if (f && !f.startsWith('node:') && f !== SELF) return i;
    }
    return -1;
  }

  // Module evaluation (import time): an unnamed frame whose code starts at the top of its file
  // (ES module body, CommonJS module wrapper), or, without that V8 API, one called by Node's loader.
  function moduleLevel(cs, i) {
    const c = cs[i];
    if (c.getFunctionName()) return false;
    if (typeof c.getEnclosingLineNumber === 'function')
      return c.getEnclosingLineNumber() === 1 && c.getEnclosingColumnNumber() === 1;
    const next = cs[i + 1] && cs[i + 1].getFileName();
    return !next || next.startsWith('node:internal/modules/');
  }

  function funcName(c, ml) {
    if (ml) return '<module>';
    const fn = c.getFunctionName();
    if (!fn) return '<anonymous>';
    const tn = c.getTypeName();
    if (!tn || tn === 'Object' || c.isToplevel() || fn.includes('.')) return fn;
    return tn === 'Function' ? fn : tn + '.' + fn;
  }

  function fileName(f) {
    if (!f.startsWith('file://')) return f;
    try {
      return decodeURIComponent(f.slice(7));
    } catch {
      return f;
    }
  }

  // A bulk copy ({...process.env}, Object.entries, JSON.stringify, child_process without env) asks
  // for the keys, then reads each one from the same place: reads from where the last key listing
  // came from are a copy, not a read (as in the Python adapter).
  let bulkAt = null;
  const where = (c) => c.getFileName() + ':' + c.getLineNumber() + ':' + c.getColumnNumber();

  // The site part of a message: frame c, index i of the call sites cs.
  function siteMessage(c, cs, i) {
    const ml = moduleLevel(cs, i);
    return (ml ? '1' : '0') + ':' + (c.getLineNumber() || 0) + '\x1f' + funcName(c, ml) + '\x1f' +
      fileName(c.getFileName()) + '\x1f';
  }

  // A credential write (assignment, delete, defineProperty): its set record gets the JavaScript site.
  function written(trap, op, k, a) {
    const [cs, i] = reader(trap);
    if (i >= 0) env[MARK + 's:' + siteMessage(cs[i], cs, i)];
    try {
      return op(env, k, a);
    } catch (e) {
      throw ownStack(e, trap);
    } finally {
      if (i >= 0) env[END];
    }
  }

  // A write to a name that is not a credential: the real operation, its error thrown as the
  // program's own (no frame of ours on its stack).
  function plain(trap, op, k, a) {
    try {
      return op(env, k, a);
    } catch (e) {
      throw ownStack(e, trap);
    }
  }

  // The call sites above trap and the index of the application's frame in them (-1: none).
  function reader(trap) {
    let cs = callSites(trap, SHORT);
    let i = userFrame(cs);
    if (i < 0 && cs.length === SHORT) {
      cs = callSites(trap, DEPTH);
      i = userFrame(cs);
    }
    return [cs, i];
  }

  // One credential access: tell the shim where it came from, then do it on the original object with
  // the shim muted (Node may call getenv more than once for it: a descriptor is a query and a get).
  function tracked(trap, op, t, k) {
    const [cs, i] = reader(trap);
    if (i < 0) return op(t, k); // Node's own code only: left to getenv, as without the adapter
    const c = cs[i];
    const at = where(c);
    let msg;
    if (at === bulkAt) {
      msg = MUTE;
    } else {
      bulkAt = null;
      msg = MARK + 'r:' + siteMessage(c, cs, i) + k;
    }
    env[msg]; // the shim records the read now and mutes this thread's getenv until END
    try {
      return op(t, k);
    } finally {
      env[END];
    }
  }

  // Every trap ends in the same operation on the original object, so values, errors, string
  // coercion on assignment, enumeration order and prototype lookups are Node's own. The Proxy's
  // target is an empty stand-in, not process.env: V8 checks each trap's result against its target
  // with one more [[GetOwnProperty]], which on process.env would be two more getenv calls per read.
  // The stand-in is extensible and has one configurable property of its own, so those checks always
  // pass; util.inspect (which shows a Proxy's target) is sent to the original by inspect.custom.
  // Node's TypeErrors for writes (a Symbol value, an accessor descriptor) are thrown inside a trap:
  // their stack starts again at the application's frame, as without the adapter.
  function ownStack(e, trap) {
    if (e instanceof Error) {
      try {
        Error.captureStackTrace(e, trap);
      } catch { /* frozen Error: the stack keeps the adapter's frames */ }
    }
    return e;
  }

  const standIn = {};
  Object.defineProperty(standIn, Symbol.for('nodejs.util.inspect.custom'), {
    value: function inspectOriginal() {
      return env;
    },
    configurable: true,
    writable: true,
    enumerable: false,
  });
  const handler = {
    get(t, k) {
      return isCred(k) ? tracked(handler.get, R.get, env, k) : R.get(env, k);
    },
    has(t, k) {
      return isCred(k) ? tracked(handler.has, R.has, env, k) : R.has(env, k);
    },
    getOwnPropertyDescriptor(t, k) {
      return isCred(k) ? tracked(handler.getOwnPropertyDescriptor, R.getOwnPropertyDescriptor, env, k)
        : R.getOwnPropertyDescriptor(env, k);
    },
    ownKeys() {
      const [cs, i] = reader(handler.ownKeys);
      bulkAt = i < 0 ? null : where(cs[i]);
      return R.ownKeys(env);
    },
    set(t, k, v) {
      if (isCred(k)) return written(handler.set, R.set, k, v);
      return plain(handler.set, R.set, k, v);
    },
    deleteProperty(t, k) {
      if (isCred(k)) return written(handler.deleteProperty, R.deleteProperty, k);
      return plain(handler.deleteProperty, R.deleteProperty, k);
    },
    defineProperty(t, k, d) {
      if (isCred(k)) return written(handler.defineProperty, R.defineProperty, k, d);
      return plain(handler.defineProperty, R.defineProperty, k, d);
    },
    getPrototypeOf() {
      return R.getPrototypeOf(env);
    },
    setPrototypeOf(t, p) {
      return R.setPrototypeOf(env, p);
    },
    isExtensible(t) {
      return R.isExtensible(t); // process.env cannot be made non-extensible: always true
    },
    preventExtensions() {
      return R.preventExtensions(env); // false, as process.env refuses
    },
  };

  const desc = Object.getOwnPropertyDescriptor(process, 'env');
  if (!desc || !hasOwn.call(desc, 'value') || desc.value !== env || !desc.configurable) return;
  desc.value = new Proxy(standIn, handler);
  Object.defineProperty(process, 'env', desc);
})();
