import { randomUUID } from 'node:crypto';
import twilio from 'twilio';
import { Bus } from '@conduit/bus';
import { ErrorCode, PhoneStreamCloseCode, VoiceCallsContract } from '@conduit/contracts';
import {
  silence,
  spokenPcm,
  startFakeDeepgram,
  startFakeTwilio,
  waitFor,
  type FakeDeepgramServer,
  type FakeTwilioServer,
  type ServiceProcess,
} from '@conduit/testing';
import { registerUser, type RegisteredUser } from './support/gateway-test-app';
import { api, json, startPlatform, type TestPlatform } from './support/platform';
import {
  postCallWebhook,
  streamSignatureOf,
  streamUrlOf,
  TEST_PUBLIC_BASE_URL,
  TEST_TWILIO_AUTH_TOKEN,
  TwilioMediaClient,
} from './support/twilio-call';
import { startVoiceProcess } from './support/voice-platform';

const INCOMING = '/api/v1/voice/twilio/incoming';
const DEEPGRAM_KEY = 'fake-deepgram-key';
const ACCOUNT_SID = `AC${'0'.repeat(32)}`;
const ALICE_NUMBER = '+15550000001';
const BOB_NUMBER = '+15550000002';
let callCounter = 0;
const nextCallSid = () => `CA${String(++callCounter).padStart(32, '0')}`;

describe('phone calls (Twilio webhook and media streams)', () => {
  let platform: TestPlatform;
  let voice: ServiceProcess;
  let deepgram: FakeDeepgramServer;
  let twilioApi: FakeTwilioServer;
  let bus: Bus;
  let alice: RegisteredUser;
  let bob: RegisteredUser;
  let gatewayUrl: string;
  let question8k: Buffer;

  beforeAll(async () => {
    platform = await startPlatform({
      gateway: {
        TWILIO_AUTH_TOKEN: TEST_TWILIO_AUTH_TOKEN,
        TWILIO_PUBLIC_BASE_URL: TEST_PUBLIC_BASE_URL,
        TWILIO_NUMBERS: new Map(),
      },
    });
    const { config } = platform.gateway;
    deepgram = await startFakeDeepgram({
      apiKey: DEEPGRAM_KEY,
      words: ['what', 'is', 'the', 'weather', 'like', 'in', 'paris', 'today'],
    });
    // Speech is recognised by a local Deepgram (PocketSphinx's wideband model reads phone audio poorly);
    // the VAD that finds the turns and the barge-in is the service's own, on the call's audio.
    twilioApi = await startFakeTwilio({ accountSid: ACCOUNT_SID, authToken: TEST_TWILIO_AUTH_TOKEN });
    voice = await startVoiceProcess(platform.gateway, {
      VOICE_DEFAULT_STT: 'deepgram',
      DEEPGRAM_API_KEY: DEEPGRAM_KEY,
      DEEPGRAM_BASE_URL: deepgram.url,
      VOICE_CALLS_ENABLED: 'true',
      VOICE_CALL_ALLOWED_PREFIXES: '+1555',
      VOICE_CALLS_PER_USER_PER_DAY: '3',
      TWILIO_ACCOUNT_SID: ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: TEST_TWILIO_AUTH_TOKEN,
      TWILIO_FROM_NUMBER: ALICE_NUMBER,
      TWILIO_PUBLIC_BASE_URL: TEST_PUBLIC_BASE_URL,
      TWILIO_API_BASE_URL: twilioApi.url,
    });
    bus = await Bus.connect({
      url: config.NATS_URL,
      name: 'phone-calls-test',
      subjectPrefix: config.NATS_SUBJECT_PREFIX,
    });
    gatewayUrl = platform.gateway.baseUrl;
    alice = await registerUser(gatewayUrl);
    bob = await registerUser(gatewayUrl);
    // The operator's numbers are only known with the users' ids: the running gateway reads this map.
    const numbers = config.TWILIO_NUMBERS as Map<string, string>;
    numbers.set(ALICE_NUMBER, alice.userId);
    numbers.set(BOB_NUMBER, bob.userId);
    question8k = Buffer.concat([
      spokenPcm('what is the weather like in paris today', 8_000),
      silence(1_500, 8_000),
    ]);
  });
  afterAll(async () => {
    await bus?.close();
    await voice?.stop(5_000);
    await twilioApi?.close();
    await deepgram?.close();
    await platform?.close();
  });

  const incomingCall = (to: string, callSid = nextCallSid()) => ({
    CallSid: callSid,
    AccountSid: 'ACtest',
    From: '+15559990000',
    To: to,
    Direction: 'inbound',
    CallStatus: 'ringing',
  });

  /** A call to `number`, answered: its media stream, started. */
  async function answer(number: string): Promise<TwilioMediaClient> {
    const params = incomingCall(number);
    const response = await postCallWebhook(gatewayUrl, INCOMING, params);
    expect(response.status).toBe(200);
    const client = await TwilioMediaClient.connect(
      streamUrlOf(await response.text(), gatewayUrl),
      params.CallSid,
    );
    client.start();
    return client;
  }

  it('answers a call to a known number with TwiML connecting it to a one-time media stream', async () => {
    const response = await postCallWebhook(gatewayUrl, INCOMING, incomingCall(ALICE_NUMBER));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/xml/);
    const twiml = await response.text();
    expect(twiml).toMatch(
      /^<\?xml[^>]*\?><Response><Connect><Stream url="wss:\/\/phone\.conduit\.test\/ws\/twilio\/[A-Za-z0-9_-]{43}"\/><\/Connect><\/Response>$/,
    );
  });

  it('rejects calls to numbers nobody owns', async () => {
    const response = await postCallWebhook(gatewayUrl, INCOMING, incomingCall('+15550000999'));
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<Reject/>');
  });

  it('refuses webhooks without a valid Twilio signature with 403', async () => {
    const params = incomingCall(ALICE_NUMBER);
    const wrongKey = await postCallWebhook(gatewayUrl, INCOMING, params, { authToken: 'another-account' });
    expect(wrongKey.status).toBe(403);
    const missing = await postCallWebhook(gatewayUrl, INCOMING, params, { signature: '' });
    expect(missing.status).toBe(403);
    // Signed for other parameters than those sent: a changed `To` must not pass.
    const signedFor = await postCallWebhook(gatewayUrl, INCOMING, params);
    expect(signedFor.status).toBe(200);
    const tampered = await fetch(`${gatewayUrl}${INCOMING}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': 'bm90IGEgc2lnbmF0dXJl',
      },
      body: new URLSearchParams({ ...params, To: BOB_NUMBER }),
    });
    expect(tampered.status).toBe(403);
    const noCallSid = await postCallWebhook(gatewayUrl, INCOMING, { From: '+1', To: ALICE_NUMBER });
    expect(noCallSid.status).toBe(400);
  });

  it('connects calls the voice service placed for the user and purpose in their signed webhook URL', async () => {
    const path = `/api/v1/voice/twilio/outbound?${new URLSearchParams({ userId: bob.userId, purpose: 'Book a table' })}`;
    const params = { ...incomingCall('+15559990000'), From: BOB_NUMBER, Direction: 'outbound-api' };
    const response = await postCallWebhook(gatewayUrl, path, params);
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/<Connect><Stream url="wss:\/\/phone\.conduit\.test\/ws\/twilio\//);
    // The user in the URL is signed with it: another one does not pass.
    const forged = path.replace(bob.userId, alice.userId);
    const signature = twilio.getExpectedTwilioSignature(
      TEST_TWILIO_AUTH_TOKEN,
      `${TEST_PUBLIC_BASE_URL}${path}`,
      params,
    );
    expect((await postCallWebhook(gatewayUrl, forged, params, { signature })).status).toBe(403);
    const noUser = '/api/v1/voice/twilio/outbound?purpose=x';
    expect((await postCallWebhook(gatewayUrl, noUser, params)).status).toBe(400);
  });

  it('refuses media stream upgrades Twilio did not sign, before the call token is spent', async () => {
    const params = incomingCall(ALICE_NUMBER);
    const url = streamUrlOf(await (await postCallWebhook(gatewayUrl, INCOMING, params)).text(), gatewayUrl);
    const otherPath = url.replace(/\/ws\/twilio\/.*/, `/ws/twilio/${'y'.repeat(43)}`);
    for (const signature of [
      null,
      'bm90IGEgc2lnbmF0dXJl',
      streamSignatureOf(url, 'another-account-token'),
      streamSignatureOf(otherPath, TEST_TWILIO_AUTH_TOKEN),
    ]) {
      await expect(TwilioMediaClient.connect(url, params.CallSid, { signature })).rejects.toThrow('HTTP 403');
    }
    // Refused upgrades left the one-time token unused: Twilio's own, signed, still connects.
    const client = await TwilioMediaClient.connect(url, params.CallSid);
    client.start();
    client.stop();
    expect((await client.waitClosed()).code).toBe(1000);
  });

  it('closes media streams with an unknown, used or mismatched token with a clear code', async () => {
    const unknown = await TwilioMediaClient.connect(
      `${gatewayUrl.replace('http', 'ws')}/ws/twilio/${'x'.repeat(43)}`,
      nextCallSid(),
    );
    expect((await unknown.waitClosed()).code).toBe(PhoneStreamCloseCode.UnknownCallToken);

    const params = incomingCall(ALICE_NUMBER);
    const url = streamUrlOf(await (await postCallWebhook(gatewayUrl, INCOMING, params)).text(), gatewayUrl);
    const first = await TwilioMediaClient.connect(url, params.CallSid);
    const again = await TwilioMediaClient.connect(url, params.CallSid);
    expect((await again.waitClosed()).code).toBe(PhoneStreamCloseCode.UnknownCallToken);
    first.start(nextCallSid());
    expect((await first.waitClosed()).code).toBe(PhoneStreamCloseCode.WrongCall);
  });

  it.each([
    ['text that is not JSON', 'hello', 1007],
    ['an unknown message shape', { event: 'media', media: { payload: '***not base64***' } }, 1007],
    ['media before start', null, 1008],
    ['binary frames', Buffer.from([1, 2, 3]), 1003],
  ])('closes the stream on %s and keeps serving', async (_what, message, code) => {
    const params = incomingCall(ALICE_NUMBER);
    const url = streamUrlOf(await (await postCallWebhook(gatewayUrl, INCOMING, params)).text(), gatewayUrl);
    const client = await TwilioMediaClient.connect(url, params.CallSid);
    if (message === null) client.sendMedia(Buffer.alloc(160, 0xff));
    else if (Buffer.isBuffer(message)) client.ws.send(message);
    else client.send(message);
    expect((await client.waitClosed()).code).toBe(code);
    expect((await fetch(`${gatewayUrl}/healthz`)).status).toBe(200);
  });

  it('holds a spoken conversation over the call: μ-law in, μ-law reply frames out, clear on barge-in', async () => {
    const client = await answer(ALICE_NUMBER);
    await client.speak(question8k);
    await waitFor(
      () => client.media().length > 25,
      () => `reply audio; got ${JSON.stringify(client.replies.slice(-3))}`,
      90_000,
    );
    // 20 ms μ-law frames of the call's stream, and nothing but audio so far.
    expect(client.media().every((frame) => frame.length === 160)).toBe(true);
    expect(client.replies.every((r) => r.streamSid === client.streamSid)).toBe(true);
    // The reply is speech, not silence: μ-law of quiet audio is all 0xff/0x7f.
    const loud = client.media().some((frame) => frame.some((byte) => (byte & 0x7f) < 0x60));
    expect(loud).toBe(true);

    // Speaking over the reply stops it: Twilio is told to drop what it has not played.
    await client.speak(question8k);
    await waitFor(
      () => client.replies.some((r) => r.event === 'clear'),
      () => `a clear; got ${JSON.stringify(client.replies.filter((r) => r.event !== 'media'))}`,
      90_000,
    );
    client.stop();
    expect((await client.waitClosed()).code).toBe(1000);
  });

  it('places a call for a user and, once Twilio asks the webhook it was given, makes it the conversation of that user, told its purpose', async () => {
    const placed = await bus.request(
      VoiceCallsContract.placeCall,
      { to: '+15557654321', purpose: 'Book a table for two, 7 pm' },
      { userId: bob.userId },
    );
    const created = twilioApi.calls.find((call) => call.sid === placed.callSid)!;
    // Twilio, once the callee answers: the signed webhook at the URL the voice service gave it.
    const webhook = new URL(created.url);
    expect(webhook.origin).toBe(TEST_PUBLIC_BASE_URL);
    const params = {
      ...incomingCall('+15557654321', placed.callSid),
      From: created.from,
      Direction: 'outbound-api',
    };
    const response = await postCallWebhook(gatewayUrl, webhook.pathname + webhook.search, params);
    expect(response.status).toBe(200);
    const client = await TwilioMediaClient.connect(
      streamUrlOf(await response.text(), gatewayUrl),
      placed.callSid,
    );
    const sessions = async () =>
      (
        (await json(await api(gatewayUrl, bob.accessToken)('/api/v1/chat/sessions?limit=100'))) as {
          items: Array<{ id: string; systemPrompt: string | null }>;
        }
      ).items;
    const before = (await sessions()).length;
    client.start();
    await waitFor(async () => (await sessions()).length > before, "the call to open bob's conversation");
    expect((await sessions())[0]!.systemPrompt).toContain('Book a table for two, 7 pm');
    client.stop();
    expect((await client.waitClosed()).code).toBe(1000);
  });

  it('places at most VOICE_CALLS_PER_USER_PER_DAY calls a user, counted in Redis, then refuses with RATE_LIMITED', async () => {
    const carol = { userId: randomUUID() };
    const place = (caller: { userId: string }) =>
      bus.request(VoiceCallsContract.placeCall, { to: '+15550001234', purpose: 'Remind me' }, caller);
    for (let i = 0; i < 3; i += 1) await expect(place(carol)).resolves.toMatchObject({ to: '+15550001234' });
    const placedBefore = twilioApi.calls.length;
    await expect(place(carol)).rejects.toMatchObject({
      code: ErrorCode.RateLimited,
      details: { retryAfterSeconds: expect.any(Number) },
    });
    expect(twilioApi.calls).toHaveLength(placedBefore);
    // Someone else's calls are counted apart.
    await expect(place({ userId: randomUUID() })).resolves.toMatchObject({ to: '+15550001234' });
  });

  it("keeps each user's calls in their own conversations", async () => {
    const sessionsOf = async (user: RegisteredUser): Promise<number> =>
      (
        (await json(await api(gatewayUrl, user.accessToken)('/api/v1/chat/sessions?limit=100'))) as {
          items: unknown[];
        }
      ).items.length;
    const aliceBefore = await sessionsOf(alice);
    const bobBefore = await sessionsOf(bob);
    const call = await answer(BOB_NUMBER);
    await waitFor(async () => (await sessionsOf(bob)) > bobBefore, "the call to open bob's conversation");
    expect(await sessionsOf(alice)).toBe(aliceBefore);
    call.stop();
    await call.waitClosed();
  });
});
