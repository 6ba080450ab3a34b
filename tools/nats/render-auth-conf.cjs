#!/usr/bin/env node
// npm run nats:auth — writes deploy/nats/auth.conf from the service declarations in
// libs/contracts/src/services.ts. Loads the TypeScript sources directly (transpiled by swc on require),
// so it needs no build and sees declarations a generator has just written.
const { readFileSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const path = require('node:path');

function requireTypeScript(root) {
  const { transformSync } = require(require.resolve('@swc/core', { paths: [root] }));
  const previous = Module._extensions['.ts'];
  Module._extensions['.ts'] = (module, filename) => {
    const { code } = transformSync(readFileSync(filename, 'utf8'), {
      filename,
      module: { type: 'commonjs' },
      jsc: { target: 'es2022', parser: { syntax: 'typescript' } },
    });
    module._compile(code, filename);
  };
  // Workspace libs resolve to their sources, as tsconfig's paths (and jest's mapper) say.
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (request, ...rest) {
    const lib = /^@conduit\/([a-z-]+)$/.exec(request);
    if (lib) return path.join(root, 'libs', lib[1], 'src', 'index.ts');
    return resolve.call(this, request, ...rest);
  };
  return () => {
    Module._extensions['.ts'] = previous;
    Module._resolveFilename = resolve;
  };
}

/** Renders deploy/nats/auth.conf under `root`; returns true when it changed. */
function renderAuthConf(root) {
  const restore = requireTypeScript(root);
  try {
    const { renderDeclaredAuthConf } = require(path.join(root, 'tools/nats/src/auth-conf.ts'));
    const target = path.join(root, 'deploy/nats/auth.conf');
    const text = renderDeclaredAuthConf();
    const before = readFileSync(target, 'utf8');
    if (before === text) return false;
    writeFileSync(target, text);
    return true;
  } finally {
    restore();
  }
}

module.exports = { renderAuthConf };

if (require.main === module) {
  const changed = renderAuthConf(path.join(__dirname, '..', '..'));
  console.log(
    changed ? 'deploy/nats/auth.conf rendered from the contracts' : 'deploy/nats/auth.conf is up to date',
  );
}
