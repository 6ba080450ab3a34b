import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Bus } from '@conduit/bus';
import { DomainError, ErrorCode, AgentsContract } from '@conduit/contracts';
import { listeningPort } from '@conduit/service-kit';
import { isolatedNamespace, testEnv } from '@conduit/testing';
import { startAgents } from '../src/app';
import { loadAgentsConfig } from '../src/config';

describe('agents service on the bus', () => {
  let app: NestFastifyApplication;
  let bus: Bus;
  let baseUrl: string;
  const caller = { userId: 'user-1' };

  beforeAll(async () => {
    const namespace = isolatedNamespace('agents');
    const env = {
      NATS_URL: testEnv().natsUrl,
      NATS_SUBJECT_PREFIX: namespace.subjectPrefix,
      HOST: '127.0.0.1',
      PORT: '0',
      METRICS_PORT: '0',
      LOG_LEVEL: process.env.DEBUG ? 'debug' : 'silent',
    };
    app = await startAgents(loadAgentsConfig(env));
    baseUrl = `http://127.0.0.1:${listeningPort(app)}`;
    bus = await Bus.connect({
      url: env.NATS_URL,
      name: 'agents-test-client',
      subjectPrefix: env.NATS_SUBJECT_PREFIX,
    });
  });

  afterAll(async () => {
    await bus?.close();
    await app?.close();
  });

  it('answers its health check over NATS', async () => {
    await expect(bus.request(AgentsContract.checkHealth, {}, caller)).resolves.toEqual({
      service: 'agents',
      status: 'ok',
    });
  });

  it('answers bad input with a typed validation error and keeps serving', async () => {
    const bad = bus.request(AgentsContract.checkHealth, { unexpected: true } as never, caller);
    await expect(bad).rejects.toBeInstanceOf(DomainError);
    await expect(bad).rejects.toMatchObject({ code: ErrorCode.ValidationFailed });
    await expect(bus.request(AgentsContract.checkHealth, {}, caller)).resolves.toMatchObject({
      status: 'ok',
    });
  });

  it('is alive and ready over HTTP', async () => {
    expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);
    const ready = await fetch(`${baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { nats: 'ok' } });
  });
});
