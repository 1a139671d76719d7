#!/usr/bin/env -S node --max-semi-space-size=32
// The CLI runs the TypeScript sources directly through tsx: no build step between `npm ci` and use.
// A young generation of 32 MB semi-spaces (V8's default is 16 on 64-bit): a settlement allocates
// ~1,000-row statements and results that mostly die young, and with the default a worker spent
// ~16 % of its CPU in the garbage collector. README "Where the time goes" has the measurement;
// `npm start` and `npm run worker` pass the same flag.
import module from 'node:module';

if (typeof module.registerHooks === 'function') {
  // Where Node has in-thread hooks, tsx's register() uses them when it trusts them (no hooks thread).
  const { register } = await import('tsx/esm/api');
  register();
} else {
  // Elsewhere (Node 20) tsx's hooks run on Node's hooks thread either way; handing them to Node
  // directly spares this thread loading tsx itself (esbuild's API, its CommonJS hooks, ~0.15 s of CPU
  // at every start) for what only tsx's register() adds: tsImport() namespaces and require() of .ts,
  // neither used here. Its `data` says the hooks were registered on purpose, not through --loader.
  process.setSourceMapsEnabled(true);
  module.register('tsx/esm', import.meta.url, { data: {} });
}
await import('../src/cli/main.ts');
