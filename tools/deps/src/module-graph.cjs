// How the cycle check sees the module graph: which feature folder and which project a file belongs to,
// and the groups of nodes that reach each other (strongly connected components, Tarjan's algorithm).

/**
 * `services/<s>/src/<feature>` or `libs/<l>/src/<folder>` for a file inside one (nested folders count
 * as their feature's: `identity/api-keys` is `identity`); `<project>/test` for tests, `tools/<tool>`
 * for tools. Files at the top of `src` (main, app, app.module, config, index) are the wiring that
 * composes the features and is read by them, so they belong to no folder; the file-level check still
 * covers them. Null as well for anything outside the workspace's code.
 */
function folderOf(path) {
  if (!path) return null;
  const inProject = /^((?:services|libs)\/[^/]+)\/(src|test)\/(.+)$/.exec(path);
  if (inProject) {
    const [, project, kind, rest] = inProject;
    if (kind === 'test') return `${project}/test`;
    const slash = rest.indexOf('/');
    return slash === -1 ? null : `${project}/src/${rest.slice(0, slash)}`;
  }
  const tool = /^tools\/([^/]+)\//.exec(path);
  return tool ? `tools/${tool[1]}` : null;
}

/** `services/<s>`, `libs/<l>` or `tools/<tool>`; null outside the workspace's code. */
function projectOf(path) {
  const match = /^((?:services|libs|tools)\/[^/]+)\//.exec(path ?? '');
  return match ? match[1] : null;
}

/**
 * The strongly connected components with more than one node: each is a set of nodes that all reach
 * each other, i.e. one or more cycles. `edges` maps a node to a Map (or Set) of the nodes it imports.
 */
function stronglyConnected(edges) {
  const nodes = new Set(edges.keys());
  for (const targets of edges.values()) for (const to of targets.keys()) nodes.add(to);
  const index = new Map();
  const low = new Map();
  const onStack = new Set();
  const stack = [];
  const components = [];
  let next = 0;
  const visit = (node) => {
    index.set(node, next);
    low.set(node, next);
    next += 1;
    stack.push(node);
    onStack.add(node);
    for (const to of edges.get(node)?.keys() ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node), low.get(to)));
      } else if (onStack.has(to)) {
        low.set(node, Math.min(low.get(node), index.get(to)));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) components.push(component);
    }
  };
  for (const node of nodes) if (!index.has(node)) visit(node);
  return components;
}

module.exports = { folderOf, projectOf, stronglyConnected };
