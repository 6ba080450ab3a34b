import { DeploymentHealth } from './deployment-health';

describe('DeploymentHealth', () => {
  let now = 0;
  const health = () => new DeploymentHealth(3, 1_000, () => now);

  beforeEach(() => (now = 0));

  it('cools a model down after consecutive failures, then lets exactly one probe through', () => {
    const h = health();
    for (let i = 0; i < 3; i++) {
      expect(h.tryAcquire('m')).toBe(true);
      h.recordFailure('m', 'unavailable');
    }
    expect(h.tryAcquire('m')).toBe(false);
    now = 1_001;
    expect(h.tryAcquire('m')).toBe(true);
    expect(h.tryAcquire('m')).toBe(false);
    h.recordSuccess('m');
    expect(h.tryAcquire('m')).toBe(true);
  });

  it('cools again at once when the probe fails', () => {
    const h = health();
    for (let i = 0; i < 3; i++) h.recordFailure('m', 'timeout');
    now = 1_001;
    expect(h.tryAcquire('m')).toBe(true);
    h.recordFailure('m', 'timeout');
    expect(h.tryAcquire('m')).toBe(false);
    now = 2_002;
    expect(h.tryAcquire('m')).toBe(true);
  });

  it('does not hold a request against the model when the request itself was the problem', () => {
    const h = health();
    for (let i = 0; i < 5; i++) h.recordFailure('m', 'context_length');
    expect(h.tryAcquire('m')).toBe(true);
  });

  it('resets the count on success', () => {
    const h = health();
    h.recordFailure('m', 'unavailable');
    h.recordFailure('m', 'unavailable');
    h.recordSuccess('m');
    h.recordFailure('m', 'unavailable');
    expect(h.tryAcquire('m')).toBe(true);
  });
});
