interface ModuleGraph {
  folderOf(path: string | undefined): string | null;
  projectOf(path: string | undefined): string | null;
  stronglyConnected(edges: Map<string, Map<string, unknown> | Set<string>>): string[][];
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const graph = require('./module-graph.cjs') as ModuleGraph;

const edges = (pairs: [string, string][]) => {
  const map = new Map<string, Set<string>>();
  for (const [from, to] of pairs) map.set(from, (map.get(from) ?? new Set()).add(to));
  return map;
};

describe('the module graph the cycle check reads', () => {
  it('collapses files to their feature folder, nested folders included', () => {
    expect(graph.folderOf('services/gateway/src/identity/api-keys/api-key.service.ts')).toBe(
      'services/gateway/src/identity',
    );
    expect(graph.folderOf('services/chat/src/sessions/session.service.ts')).toBe(
      'services/chat/src/sessions',
    );
    expect(graph.folderOf('libs/service-kit/src/metrics/bus-metrics.ts')).toBe(
      'libs/service-kit/src/metrics',
    );
    expect(graph.folderOf('services/chat/test/support/chat-test-service.ts')).toBe('services/chat/test');
    expect(graph.folderOf('tools/deps/check-cycles.mjs')).toBe('tools/deps');
  });

  it('leaves the wiring at the top of src out of the folder graph', () => {
    expect(graph.folderOf('services/chat/src/config.ts')).toBeNull();
    expect(graph.folderOf('libs/contracts/src/index.ts')).toBeNull();
    expect(graph.folderOf('node_modules/zod/index.js')).toBeNull();
    expect(graph.folderOf(undefined)).toBeNull();
  });

  it('names the project of a file', () => {
    expect(graph.projectOf('services/chat/src/app.ts')).toBe('services/chat');
    expect(graph.projectOf('libs/bus/src/bus.ts')).toBe('libs/bus');
    expect(graph.projectOf('zod')).toBeNull();
  });

  it('finds each group of nodes that reach each other, and only those', () => {
    const found = graph.stronglyConnected(
      edges([
        ['chat', 'ws'],
        ['ws', 'chat'],
        ['chat', 'identity'],
        ['identity', 'rate-limits'],
        ['rate-limits', 'identity'],
        ['usage', 'identity'],
        ['a', 'b'],
        ['b', 'c'],
        ['c', 'a'],
      ]),
    );
    expect(found.map((members) => [...members].sort()).sort()).toEqual([
      ['a', 'b', 'c'],
      ['chat', 'ws'],
      ['identity', 'rate-limits'],
    ]);
  });

  it('finds nothing in a graph without cycles', () => {
    expect(
      graph.stronglyConnected(
        edges([
          ['a', 'b'],
          ['b', 'c'],
          ['a', 'c'],
        ]),
      ),
    ).toEqual([]);
  });
});
