import { Bus } from '@conduit/bus';
import { DomainError, ErrorCode, VoiceContract } from '@conduit/contracts';
import { startVoiceAlone, type VoiceAlone } from './support/voice-alone';

describe('voice service on the bus', () => {
  let voice: VoiceAlone;
  let bus: Bus;
  let baseUrl: string;
  const caller = { userId: 'user-1' };

  beforeAll(async () => {
    voice = await startVoiceAlone('voice');
    ({ bus, baseUrl } = voice);
  });

  afterAll(() => voice?.close());

  it('answers its health check over NATS', async () => {
    await expect(bus.request(VoiceContract.checkHealth, {}, caller)).resolves.toEqual({
      service: 'voice',
      status: 'ok',
    });
  });

  it('answers bad input with a typed validation error and keeps serving', async () => {
    const bad = bus.request(VoiceContract.checkHealth, { unexpected: true } as never, caller);
    await expect(bad).rejects.toBeInstanceOf(DomainError);
    await expect(bad).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
    await expect(bus.request(VoiceContract.checkHealth, {}, caller)).resolves.toMatchObject({ status: 'ok' });
  });

  it('is alive and ready over HTTP', async () => {
    expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);
    const ready = await fetch(`${baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { nats: 'ok' } });
  });
});
