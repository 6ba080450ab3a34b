import { randomBytes } from 'node:crypto';
import { loadAgentsConfig } from './config';

describe('agents configuration', () => {
  it('does not start without a master key, and says what to set', () => {
    expect(() => loadAgentsConfig({})).toThrow(/AGENTS_MASTER_KEY: required/);
    expect(loadAgentsConfig({ AGENTS_INSECURE_DEV_MASTER_KEY: 'true' }).AGENTS_MASTER_KEY).toBeUndefined();
    const key = randomBytes(32);
    expect(loadAgentsConfig({ AGENTS_MASTER_KEY: key.toString('base64') }).AGENTS_MASTER_KEY).toEqual(key);
  });
});
