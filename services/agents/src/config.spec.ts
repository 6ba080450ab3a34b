import { randomBytes } from 'node:crypto';
import { loadAgentsConfig } from './config';

describe('agents configuration', () => {
  it('does not start without a master key, and says what to set', () => {
    expect(() => loadAgentsConfig({})).toThrow(/AGENTS_MASTER_KEY: required/);
    expect(loadAgentsConfig({ AGENTS_INSECURE_DEV_MASTER_KEY: 'true' }).AGENTS_MASTER_KEY).toBeUndefined();
    const key = randomBytes(32);
    expect(loadAgentsConfig({ AGENTS_MASTER_KEY: key.toString('base64') }).AGENTS_MASTER_KEY).toEqual(key);
  });

  it('takes provider endpoints over https only, http for loopback, and client id and secret together', () => {
    const base = { AGENTS_INSECURE_DEV_MASTER_KEY: 'true' };
    expect(() =>
      loadAgentsConfig({ ...base, CONNECTOR_GITHUB_API_BASE_URL: 'http://api.example.com' }),
    ).toThrow(/CONNECTOR_GITHUB_API_BASE_URL: must be https/);
    expect(
      loadAgentsConfig({ ...base, CONNECTOR_GITHUB_API_BASE_URL: 'http://127.0.0.1:9/api' }),
    ).toBeTruthy();
    expect(() => loadAgentsConfig({ ...base, CONNECTOR_GOOGLE_CLIENT_ID: 'id' })).toThrow(/together/);
  });
});
