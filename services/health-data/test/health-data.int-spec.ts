import { DomainError, ErrorCode, HealthDataContract } from '@conduit/contracts';
import { startHealthDataForTest, type HealthDataTestApp } from './support/health-data-app';

describe('health-data service on the bus', () => {
  let service: HealthDataTestApp;
  const caller = { userId: 'user-1' };

  beforeAll(async () => {
    service = await startHealthDataForTest();
  });

  afterAll(async () => {
    await service?.close();
  });

  it('answers its health check over NATS', async () => {
    await expect(service.bus.request(HealthDataContract.checkHealth, {}, caller)).resolves.toEqual({
      service: 'health-data',
      status: 'ok',
    });
  });

  it('answers bad input with a typed validation error and keeps serving', async () => {
    const bad = service.bus.request(HealthDataContract.checkHealth, { unexpected: true } as never, caller);
    await expect(bad).rejects.toBeInstanceOf(DomainError);
    await expect(bad).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
    await expect(service.bus.request(HealthDataContract.checkHealth, {}, caller)).resolves.toMatchObject({
      status: 'ok',
    });
  });

  it('is alive and ready over HTTP', async () => {
    expect((await fetch(`${service.baseUrl}/healthz`)).status).toBe(200);
    const ready = await fetch(`${service.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { nats: 'ok', postgres: 'ok' } });
  });
});
