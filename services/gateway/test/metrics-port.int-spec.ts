import { listeningMetricsPort } from '@conduit/service-kit';
import { startTestGateway, type TestGateway } from './support/gateway-test-app';

/** What the ingress routes is the gateway's PORT: /metrics must not be there. */
describe('metrics on METRICS_PORT only', () => {
  let gateway: TestGateway;
  let metricsUrl: string;

  beforeAll(async () => {
    gateway = await startTestGateway();
    metricsUrl = `http://127.0.0.1:${listeningMetricsPort(gateway.app)}`;
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('answers 404 for /metrics on the public port', async () => {
    for (const path of ['/metrics', '/metrics?format=text']) {
      const response = await fetch(`${gateway.baseUrl}${path}`);
      expect(response.status).toBe(404);
      const body = await response.text();
      expect(body).not.toContain('# TYPE');
    }
  });

  it('serves Prometheus text on its own port, and nothing else there', async () => {
    expect(listeningMetricsPort(gateway.app)).not.toBe(Number(new URL(gateway.baseUrl).port));
    const metrics = await fetch(`${metricsUrl}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await metrics.text()).toContain('# TYPE conduit_http_requests_total counter');

    for (const [method, path] of [
      ['GET', '/'],
      ['GET', '/healthz'],
      ['GET', '/api/v1/me'],
      ['POST', '/metrics'],
    ] as const) {
      const response = await fetch(`${metricsUrl}${path}`, { method });
      expect(response.status).toBe(404);
      await response.text();
    }
  });

  it('stops serving metrics when the gateway closes', async () => {
    const other = await startTestGateway();
    const url = `http://127.0.0.1:${listeningMetricsPort(other.app)}/metrics`;
    expect((await fetch(url)).status).toBe(200);
    await other.close();
    await expect(fetch(url)).rejects.toThrow();
  });
});
