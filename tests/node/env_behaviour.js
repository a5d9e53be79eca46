// SPDX-License-Identifier: MIT
// env_behaviour.js: prints what a program can observe of process.env, one line per operation, so that
// runs with and without the Node adapter (tests/cases/67-node-adapter.sh) can be compared byte for
// byte. Credential values are never printed: only their length and comparisons.
'use strict';
const childProcess = require('child_process');
const util = require('util');
const { Worker } = require('worker_threads');

// The variables that differ between a traced and a bare run go first, in every run alike.
for (const k of ['LD_PRELOAD', 'CREDTRACE_DIR', 'NODE_OPTIONS']) delete process.env[k];

const env = process.env;
const out = [];
const show = (label, f) => {
  let r;
  try {
    r = f();
    r = typeof r === 'string' ? JSON.stringify(r) : util.inspect(r, { depth: 3 });
  } catch (e) {
    r = 'throws ' + (e && e.constructor && e.constructor.name) + ': ' + (e && e.message);
  }
  out.push(label + ' => ' + r);
};

// Identity and type.
show('typeof', () => typeof env);
show('same object each time', () => process.env === env && require('process').env === env);
show('toString tag', () => Object.prototype.toString.call(env));
show('prototype', () => Object.getPrototypeOf(env) === Object.prototype);
show('prototype keys', () => Object.getOwnPropertyNames(Object.getPrototypeOf(env)).sort());
show('__proto__', () => env.__proto__ === Object.getPrototypeOf(env));
show('isExtensible', () => Object.isExtensible(env));
show('isFrozen', () => Object.isFrozen(env));
show('isArray', () => Array.isArray(env));
show('instanceof Object', () => env instanceof Object);
show('process.env descriptor', () => {
  const d = Object.getOwnPropertyDescriptor(process, 'env');
  return [typeof d.value, d.writable, d.enumerable, d.configurable];
});

// Values: present, empty, absent; credentials and ordinary names.
show('plain', () => env.CT_T_PLAIN);
show('empty', () => env.CT_T_EMPTY);
show('absent', () => env.CT_T_NOPE);
show('absent credential', () => env.CT_T_NOPE_API_KEY);
show('credential length', () => env.CT_T_API_KEY.length);
show('credential equals', () => env.CT_T_API_KEY === env['CT_T_API_KEY']);
show('credential via get', () => Reflect.get(env, 'CT_T_API_KEY').length);
show('inherited name', () => typeof env.hasOwnProperty);
show('toString', () => typeof env.toString);
show('symbol read', () => env[Symbol.iterator]);
show('toStringTag', () => env[Symbol.toStringTag]);
show('number key', () => env[0]);
show('in present', () => 'CT_T_PLAIN' in env);
show('in credential', () => 'CT_T_API_KEY' in env);
show('in absent credential', () => 'CT_T_NOPE_TOKEN' in env);
show('in inherited', () => 'hasOwnProperty' in env);
show('hasOwnProperty', () => [env.hasOwnProperty('CT_T_PLAIN'), env.hasOwnProperty('CT_T_API_KEY'),
  Object.hasOwn(env, 'CT_T_NOPE'), Object.prototype.hasOwnProperty.call(env, 'CT_T_EMPTY')]);
show('descriptor', () => {
  const d = Object.getOwnPropertyDescriptor(env, 'CT_T_API_KEY');
  return [typeof d.value, d.value.length, d.writable, d.enumerable, d.configurable];
});
show('descriptor absent', () => Object.getOwnPropertyDescriptor(env, 'CT_T_NOPE'));
show('propertyIsEnumerable', () => env.propertyIsEnumerable('CT_T_PLAIN'));

// Enumeration: order and content.
show('keys', () => Object.keys(env));
show('getOwnPropertyNames', () => Object.getOwnPropertyNames(env));
show('ownKeys', () => Reflect.ownKeys(env));
show('symbols', () => Object.getOwnPropertySymbols(env));
show('for-in', () => {
  const ks = [];
  for (const k in env) ks.push(k);
  return ks;
});
show('entries lengths', () => Object.entries(env).map(([k, v]) => k + ':' + v.length));
show('values count', () => Object.values(env).length);
show('spread', () => Object.keys({ ...env }));
show('assign', () => Object.keys(Object.assign({}, env)));
show('JSON', () => Object.keys(JSON.parse(JSON.stringify(env))));
show('inspect length', () => util.inspect(env).length);
show('inspect nested', () => util.inspect({ e: env }, { depth: 0 }));
show('inspect depth 1', () => util.inspect({ e: env }, { depth: 1 }).length);

// Writes: string coercion, errors, deletion.
show('set number', () => { env.CT_T_NUM = 42; return [typeof env.CT_T_NUM, env.CT_T_NUM]; });
show('set undefined', () => { env.CT_T_U = undefined; return env.CT_T_U; });
show('set null', () => { env.CT_T_N = null; return env.CT_T_N; });
show('set object', () => { env.CT_T_O = { toString: () => 'obj' }; return env.CT_T_O; });
show('set array', () => { env.CT_T_A = [1, 2]; return env.CT_T_A; });
show('set symbol value', () => { env.CT_T_S = Symbol('s'); return env.CT_T_S; });
show('set symbol key', () => { env[Symbol('k')] = 'v'; return Object.getOwnPropertySymbols(env).length; });
show('error stack', () => {
  try {
    env.CT_T_X = Symbol('s');
  } catch (e) {
    return e.stack.split('\n').slice(0, 2).join('|');
  }
});
show('define error stack', () => {
  try {
    Object.defineProperty(env, 'CT_T_X', { get() { return 1; } });
  } catch (e) {
    return e.stack.split('\n').slice(0, 2).join('|');
  }
});
show('set credential', () => { env.CT_T_NEW_TOKEN = 123; return env.CT_T_NEW_TOKEN; });
show('Reflect.set', () => Reflect.set(env, 'CT_T_R', 'r'));
show('set empty', () => { env.CT_T_PLAIN = ''; return [env.CT_T_PLAIN, 'CT_T_PLAIN' in env]; });
show('defineProperty data', () => { Object.defineProperty(env, 'CT_T_D', { value: 'd', writable: true, enumerable: true, configurable: true }); return env.CT_T_D; });
show('defineProperty partial', () => Object.defineProperty(env, 'CT_T_D2', { value: 'd' }));
show('defineProperty accessor', () => Object.defineProperty(env, 'CT_T_D3', { get() { return 'x'; } }));
show('Reflect.defineProperty partial', () => Reflect.defineProperty(env, 'CT_T_D4', { value: 'd' }));
show('delete present', () => [delete env.CT_T_NUM, 'CT_T_NUM' in env, env.CT_T_NUM]);
show('delete absent', () => delete env.CT_T_NOPE);
show('delete credential', () => [delete env.CT_T_NEW_TOKEN, env.CT_T_NEW_TOKEN]);
show('Reflect.deleteProperty', () => Reflect.deleteProperty(env, 'CT_T_R'));
show('Reflect.preventExtensions', () => Reflect.preventExtensions(env));
show('setPrototypeOf', () => { const p = Object.getPrototypeOf(env); Object.setPrototypeOf(env, p); return Object.getPrototypeOf(env) === p; });
show('keys after writes', () => Object.keys(env));

// Children see the same environment.
const childKeys = "process.stdout.write(JSON.stringify(Object.keys(process.env).filter(k => k !== 'LD_PRELOAD' && k !== 'CREDTRACE_DIR' && k !== 'NODE_OPTIONS').map(k => k + ':' + process.env[k].length)))";
show('child env inherited', () => childProcess.execFileSync(process.execPath, ['-e', childKeys]).toString());
show('child env spread', () => childProcess.execFileSync(process.execPath, ['-e', childKeys],
  { env: { ...env, CT_T_CHILD: 'c' } }).toString());
show('child env object', () => childProcess.execFileSync(process.execPath, ['-e', childKeys], { env }).toString());
show('child sh', () => childProcess.execSync('env | cut -d= -f1 | grep "^CT_T" | sort', { env }).toString());

Promise.resolve().then(() => new Promise((resolve) => {
  const w = new Worker("const { parentPort } = require('worker_threads'); parentPort.postMessage([typeof process.env, process.env.CT_T_API_KEY.length, Object.keys(process.env).length])", { eval: true });
  w.on('message', (m) => { out.push('worker => ' + JSON.stringify(m)); });
  w.on('exit', resolve);
})).then(() => {
  process.stdout.write(out.join('\n') + '\n');
});
