import { randomBytes } from 'node:crypto';
import { loadHealthDataConfig } from './config';

describe('health-data configuration', () => {
  it('does not start without its own master key, and says what to set', () => {
    expect(() => loadHealthDataConfig({})).toThrow(/HEALTH_MASTER_KEY: required/);
    expect(() => loadHealthDataConfig({ AGENTS_MASTER_KEY: randomBytes(32).toString('base64') })).toThrow(
      /HEALTH_MASTER_KEY: required/,
    );
    expect(
      loadHealthDataConfig({ HEALTH_INSECURE_DEV_MASTER_KEY: 'true' }).HEALTH_MASTER_KEY,
    ).toBeUndefined();
    const key = randomBytes(32);
    expect(loadHealthDataConfig({ HEALTH_MASTER_KEY: key.toString('base64') }).HEALTH_MASTER_KEY).toEqual(
      key,
    );
  });
});
