import { randomUUID } from 'node:crypto';
import { Bus } from '@conduit/bus';
import { ErrorCode } from '@conduit/contracts';
import {
  isolatedNamespace,
  startFakeTwilio,
  startServiceProcess,
  testEnv,
  type FakeTwilioServer,
  type ServiceProcess,
} from '@conduit/testing';
import { PlaceCallTool } from '../src/tools/place-call/place-call.tool';
import { toolContext } from './support/tool-context';

const ACCOUNT_SID = `AC${'0'.repeat(32)}`;
const AUTH_TOKEN = 'fake-twilio-auth-token';
const FROM = '+15550001111';
const PUBLIC_BASE_URL = 'https://phone.conduit.test';

/**
 * place_call through the real voice service (its built process) and the Twilio SDK, against a local
 * server speaking Twilio's Calls API.
 */
describe('place_call', () => {
  let twilio: FakeTwilioServer;
  let voice: ServiceProcess;
  let bus: Bus;
  let tool: PlaceCallTool;
  const alice = randomUUID();

  beforeAll(async () => {
    twilio = await startFakeTwilio({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN });
    const namespace = isolatedNamespace('placecall');
    const { natsUrl, redisUrl } = testEnv();
    voice = await startServiceProcess('voice', {
      NATS_URL: natsUrl,
      NATS_SUBJECT_PREFIX: namespace.subjectPrefix,
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: namespace.redisKeyPrefix,
      VOICE_CALLS_ENABLED: 'true',
      VOICE_CALL_ALLOWED_PREFIXES: '+1555, +4420',
      TWILIO_ACCOUNT_SID: ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      TWILIO_FROM_NUMBER: FROM,
      TWILIO_PUBLIC_BASE_URL: PUBLIC_BASE_URL,
      TWILIO_API_BASE_URL: twilio.url,
    });
    bus = await Bus.connect({
      url: natsUrl,
      name: 'place-call-test',
      subjectPrefix: namespace.subjectPrefix,
    });
    tool = new PlaceCallTool(bus, 10_000);
  });
  afterAll(async () => {
    await bus?.close();
    await voice?.stop(5_000);
    await twilio?.close();
  });

  const call = (args: unknown, userId = alice) => tool.run(tool.input.parse(args), toolContext(userId));

  it("places the call through Twilio's Calls API, answered through the gateway's webhook for the user", async () => {
    const result = await call({ number: '+15557654321', purpose: 'Book a table for two at 7 pm' });
    expect(result).toMatchObject({ ok: true, output: { status: 'queued', to: '+15557654321', from: FROM } });
    const placed = twilio.calls.at(-1)!;
    expect(result.ok && (result.output as { callSid: string }).callSid).toBe(placed.sid);
    expect(placed).toMatchObject({ to: '+15557654321', from: FROM, method: 'POST' });
    const webhook = new URL(placed.url);
    expect(webhook.origin + webhook.pathname).toBe(`${PUBLIC_BASE_URL}/api/v1/voice/twilio/outbound`);
    expect(Object.fromEntries(webhook.searchParams)).toEqual({
      userId: alice,
      purpose: 'Book a table for two at 7 pm',
    });
    expect(placed.params.get('Timeout')).toBe('30');
  });

  it('refuses numbers outside the allowed prefixes, without calling Twilio', async () => {
    const before = twilio.calls.length;
    expect(await call({ number: '+33612345678', purpose: 'Say hello' })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.Forbidden },
    });
    expect(twilio.calls.length).toBe(before);
  });

  it("passes Twilio's refusals on as provider errors, and keeps serving", async () => {
    twilio.failNext(401, 20003, 'Authenticate');
    expect(await call({ number: '+15557654321', purpose: 'Say hello' })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.ProviderAuthFailed },
    });
    twilio.failNext(400, 21215, 'Account not authorized to call +15557654321');
    expect(await call({ number: '+15557654321', purpose: 'Say hello' })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.ProviderBadResponse, message: expect.stringContaining('not authorized') },
    });
    expect(await call({ number: '+15557654321', purpose: 'Say hello' })).toMatchObject({ ok: true });
  });

  it('takes E.164 numbers and a purpose only', () => {
    expect(() => tool.input.parse({ number: '555-1234', purpose: 'x' })).toThrow();
    expect(() => tool.input.parse({ number: '+15557654321', purpose: '' })).toThrow();
    expect(() => tool.input.parse({ number: '+15557654321', purpose: 'x', extra: 1 })).toThrow();
  });
});
