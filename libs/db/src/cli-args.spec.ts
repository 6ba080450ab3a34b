import { CliUsageError, parseCliArgs, schemaForService } from './cli-args';

describe('parseCliArgs', () => {
  it('parses the three commands', () => {
    expect(parseCliArgs(['migrate', 'deploy', 'chat', 'gateway'])).toEqual({
      kind: 'migrate-deploy',
      services: ['chat', 'gateway'],
    });
    expect(parseCliArgs(['migrate', 'new', 'chat', 'add_index'])).toEqual({
      kind: 'migrate-new',
      service: 'chat',
      name: 'add_index',
    });
    expect(parseCliArgs(['generate'])).toEqual({ kind: 'generate', services: [] });
  });

  it.each([
    [[]],
    [['migrate', 'deploy']],
    [['migrate', 'new', 'chat']],
    [['migrate', 'new', 'a', 'b', 'c']],
    [['push']],
  ])('answers %j with the usage', (argv) => {
    expect(() => parseCliArgs(argv)).toThrow(CliUsageError);
  });
});

describe('schemaForService', () => {
  it('defaults to the service name and honours DATABASE_SCHEMA for a single service', () => {
    expect(schemaForService('chat', ['chat'], {})).toBe('chat');
    expect(schemaForService('chat', ['chat'], { DATABASE_SCHEMA: 't_1_chat' })).toBe('t_1_chat');
  });

  it('refuses one DATABASE_SCHEMA for several services', () => {
    expect(() => schemaForService('chat', ['chat', 'gateway'], { DATABASE_SCHEMA: 'x' })).toThrow(
      CliUsageError,
    );
  });
});
