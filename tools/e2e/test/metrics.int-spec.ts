import WebSocket from 'ws';
import { listeningMetricsPort } from '@conduit/service-kit';
import { readSse, waitFor } from '@conduit/testing';
import { startTestChat, type ChatTestService } from '@conduit/chat/test/support/chat-test-service';
import {
  registerUser,
  startTestGateway,
  type RegisteredUser,
  type TestGateway,
} from '@conduit/gateway/test/support/gateway-test-app';
import { parsePrometheusText, Sample, sampleValue } from './support/prometheus-text';

const MESSAGE_ROUTE = '/api/v1/chat/sessions/:sessionId/messages';
const STREAM = { stream: 'chat.completion' };
const MODEL = 'openai/gpt-4o-mini';

/** After real traffic through the gateway and the chat service, each one's /metrics tells what happened. */
describe('GET /metrics on every service', () => {
  let gateway: TestGateway;
  let chat: ChatTestService;
  /** Where each service serves /metrics: METRICS_PORT, not the API port. */
  let gatewayMetricsUrl: string;
  let chatMetricsUrl: string;
  let user: RegisteredUser;
  let sessionId: string;
  let outputTokens = 0;

  beforeAll(async () => {
    gateway = await startTestGateway();
    chat = await startTestChat({ NATS_SUBJECT_PREFIX: gateway.config.NATS_SUBJECT_PREFIX });
    gatewayMetricsUrl = `http://127.0.0.1:${listeningMetricsPort(gateway.app)}`;
    chatMetricsUrl = `http://127.0.0.1:${listeningMetricsPort(chat.app)}`;
    user = await registerUser(gateway.baseUrl);
    const session = await post('/api/v1/chat/sessions', { title: 'Measured' });
    sessionId = ((await session.json()) as { id: string }).id;

    // One answer streamed over SSE...
    const answer = await post(`/api/v1/chat/sessions/${sessionId}/messages`, { content: 'Hello?' });
    for await (const message of readSse(answer.body)) {
      const event = JSON.parse(message.data) as { type: string; usage?: { outputTokens: number } };
      if (event.type === 'done') outputTokens = event.usage!.outputTokens;
    }
    // ...one the provider refuses (bad credentials: not retried)...
    chat.openai.enqueue({ kind: 'http-error', status: 401 });
    const refused = await post(`/api/v1/chat/sessions/${sessionId}/messages`, { content: 'Again?' });
    for await (const _ of readSse(refused.body)) {
      // read to the end
    }
    // ...and a path that does not exist.
    await fetch(`${gateway.baseUrl}/no/such/path`);
  });
  afterAll(async () => {
    await gateway?.close();
    await chat?.close();
  });

  it('serves Prometheus text without credentials', async () => {
    for (const url of [gatewayMetricsUrl, chatMetricsUrl]) {
      const response = await fetch(`${url}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(await response.text()).toContain('# TYPE conduit_http_requests_total counter');
    }
  });

  it('gateway: HTTP requests by route and status, bus requests, the relayed stream, Node defaults', async () => {
    const m = await scrape(gatewayMetricsUrl);
    const service = { service: 'gateway' };
    const messages = { ...service, method: 'POST', route: MESSAGE_ROUTE, status: '200' };
    expect(sampleValue(m, 'conduit_http_requests_total', messages)).toBe(2);
    expect(sampleValue(m, 'conduit_http_request_duration_seconds_count', messages)).toBe(2);
    expect(sampleValue(m, 'conduit_http_requests_total', { route: 'unmatched', status: '404' })).toBe(1);
    expect(
      sampleValue(m, 'conduit_http_requests_total', { route: '/api/v1/auth/register', status: '201' }),
    ).toBe(1);

    const started = { subject: 'chat.completion.start', outcome: 'ok' };
    expect(sampleValue(m, 'conduit_bus_requests_total', started)).toBe(2);
    expect(sampleValue(m, 'conduit_bus_request_duration_seconds_count', started)).toBe(2);

    const consumed = { ...STREAM, role: 'consume' };
    expect(sampleValue(m, 'conduit_streams_active', consumed)).toBe(0);
    expect(sampleValue(m, 'conduit_streams_total', { ...consumed, outcome: 'done', code: '' })).toBe(1);
    expect(
      sampleValue(m, 'conduit_streams_total', {
        ...consumed,
        outcome: 'error',
        code: 'PROVIDER_AUTH_FAILED',
      }),
    ).toBe(1);
    expect(sampleValue(m, 'conduit_stream_time_to_first_token_seconds_count', consumed)).toBe(1);
    expect(outputTokens).toBeGreaterThan(0);
    expect(sampleValue(m, 'conduit_tokens_relayed_total', { ...STREAM, model: MODEL })).toBe(outputTokens);
    expect(sampleValue(m, 'conduit_websockets_open')).toBe(0);

    expect(sampleValue(m, 'process_cpu_user_seconds_total', service)).toBeGreaterThan(0);
    expect(sampleValue(m, 'nodejs_heap_size_used_bytes', service)).toBeGreaterThan(0);
  });

  it('gateway: counts the WebSockets open now', async () => {
    const url = `${gateway.baseUrl.replace('http', 'ws')}/ws`;
    const sockets = await Promise.all(
      [1, 2].map(
        () =>
          new Promise<WebSocket>((resolve, reject) => {
            const ws = new WebSocket(url, { headers: { authorization: `Bearer ${user.accessToken}` } });
            ws.once('message', () => resolve(ws)); // the `ready` frame
            ws.once('error', reject);
          }),
      ),
    );
    expect(sampleValue(await scrape(gatewayMetricsUrl), 'conduit_websockets_open')).toBe(2);
    await Promise.all(sockets.map((ws) => new Promise((resolve) => (ws.once('close', resolve), ws.close()))));
    await waitFor(
      async () => sampleValue(await scrape(gatewayMetricsUrl), 'conduit_websockets_open') === 0,
      'conduit_websockets_open back to 0',
    );
  });

  it('chat: messages handled, streams produced, time to first token, tokens, provider errors by kind', async () => {
    const m = await scrape(chatMetricsUrl);
    const handled = { service: 'chat', subject: 'chat.completion.start', kind: 'request', outcome: 'ok' };
    expect(sampleValue(m, 'conduit_bus_messages_handled_total', handled)).toBe(2);
    expect(sampleValue(m, 'conduit_bus_handler_duration_seconds_count', handled)).toBe(2);
    expect(
      sampleValue(m, 'conduit_bus_messages_handled_total', {
        subject: 'chat.session.create',
        kind: 'request',
        outcome: 'ok',
      }),
    ).toBe(1);

    const produced = { ...STREAM, role: 'produce' };
    expect(sampleValue(m, 'conduit_streams_active', produced)).toBe(0);
    expect(sampleValue(m, 'conduit_streams_total', { ...produced, outcome: 'done', code: '' })).toBe(1);
    expect(sampleValue(m, 'conduit_stream_time_to_first_token_seconds_count', produced)).toBe(1);
    expect(sampleValue(m, 'conduit_stream_events_total', { ...produced, type: 'delta' })).toBeGreaterThan(0);
    expect(sampleValue(m, 'conduit_tokens_generated_total', { ...STREAM, model: MODEL })).toBe(outputTokens);

    expect(sampleValue(m, 'conduit_provider_errors_total', { provider: 'openai', kind: 'auth' })).toBe(1);
    expect(sampleValue(m, 'conduit_provider_calls_total', { provider: 'openai', outcome: 'ok' })).toBe(1);
    expect(sampleValue(m, 'conduit_provider_calls_total', { provider: 'openai', outcome: 'error' })).toBe(1);
    expect(sampleValue(m, 'nodejs_eventloop_lag_seconds', { service: 'chat' })).toBeGreaterThanOrEqual(0);
  });

  function post(path: string, body: unknown): Promise<Response> {
    return fetch(`${gateway.baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }
});

async function scrape(baseUrl: string): Promise<Sample[]> {
  return parsePrometheusText(await (await fetch(`${baseUrl}/metrics`)).text());
}
