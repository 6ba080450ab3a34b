import { assertSchemaName, quoteIdentifier, searchPathOption } from './schema-name';

describe('schema names', () => {
  it.each(['chat', 'health-data', 't_ab12_chat', '_x'])('accepts %s', (name) => {
    expect(assertSchemaName(name)).toBe(name);
  });

  it.each(['Chat', '1chat', 'chat; drop', 'a"b', '', 'x'.repeat(64)])('rejects %j', (name) => {
    expect(() => assertSchemaName(name)).toThrow('Invalid Postgres schema name');
  });

  it('quotes identifiers and builds a search_path startup option', () => {
    expect(quoteIdentifier('a"b')).toBe('"a""b"');
    expect(searchPathOption('health-data')).toBe('-c search_path="health-data"');
  });
});
