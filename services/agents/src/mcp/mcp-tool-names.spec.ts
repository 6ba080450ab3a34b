import { prefixedToolName } from './mcp-tool-names';

const VALID = /^[a-zA-Z0-9_-]{1,64}$/;

describe('prefixedToolName', () => {
  it('prefixes a tool with its server', () => {
    expect(prefixedToolName('weather', 'get_forecast')).toBe('weather__get_forecast');
  });

  it('keeps names valid and apart when the tool name has other characters or is long', () => {
    const dotted = prefixedToolName('files', 'fs.read');
    const spaced = prefixedToolName('files', 'fs read');
    expect(dotted).toMatch(VALID);
    expect(spaced).toMatch(VALID);
    expect(dotted).not.toBe(spaced);
    const longA = prefixedToolName('a-server-with-long-name', `${'x'.repeat(80)}a`);
    const longB = prefixedToolName('a-server-with-long-name', `${'x'.repeat(80)}b`);
    expect(longA).toMatch(VALID);
    expect(longA).toHaveLength(64);
    expect(longA).not.toBe(longB);
  });
});
