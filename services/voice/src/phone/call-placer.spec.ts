import Redis from 'ioredis';
import { ErrorCode } from '@conduit/contracts';
import { CallPlacer as Placer } from './call-placer';
import { PhoneCallsConfigSchema, type PhoneCallsConfig } from './phone-calls.config';

const configured = (env: Record<string, string>): PhoneCallsConfig =>
  PhoneCallsConfigSchema.parse({
    TWILIO_ACCOUNT_SID: 'AC0',
    TWILIO_AUTH_TOKEN: 'token',
    TWILIO_FROM_NUMBER: '+15550001111',
    TWILIO_PUBLIC_BASE_URL: 'https://phone.example.test',
    // Nothing listens here: a call that got past the checks would fail to connect.
    TWILIO_API_BASE_URL: 'http://127.0.0.1:9',
    ...env,
  });
// Nothing listens there and it never retries: the daily count falls back to this process's own, as it
// does while Redis is down.
const offline = new Redis({
  host: '127.0.0.1',
  port: 9,
  lazyConnect: true,
  enableOfflineQueue: false,
  retryStrategy: () => null,
});
class CallPlacer extends Placer {
  constructor(config: PhoneCallsConfig) {
    super(config, offline);
  }
}
const request = { to: '+15557654321', purpose: 'Say hello' };
const alice = '0b6f2c1e-6f0e-4c4b-9d7e-1a2b3c4d5e6f';

describe('CallPlacer', () => {
  it('is off by default', async () => {
    await expect(new CallPlacer(configured({})).place(alice, request)).rejects.toMatchObject({
      code: ErrorCode.ServiceUnavailable,
      message: expect.stringMatching(/turned off/),
    });
  });

  it('names the settings it lacks', async () => {
    const config = PhoneCallsConfigSchema.parse({ VOICE_CALLS_ENABLED: 'true' });
    await expect(new CallPlacer(config).place(alice, request)).rejects.toMatchObject({
      code: ErrorCode.ServiceUnavailable,
      message: expect.stringMatching(/TWILIO_ACCOUNT_SID/),
    });
  });

  it('allows no number until prefixes are listed, and then only theirs', async () => {
    const none = configured({ VOICE_CALLS_ENABLED: 'true' });
    await expect(new CallPlacer(none).place(alice, request)).rejects.toMatchObject({
      code: ErrorCode.Forbidden,
    });
    const some = configured({ VOICE_CALLS_ENABLED: 'true', VOICE_CALL_ALLOWED_PREFIXES: '+44,+1556' });
    await expect(new CallPlacer(some).place(alice, request)).rejects.toMatchObject({
      code: ErrorCode.Forbidden,
    });
    const unreachable = configured({ VOICE_CALLS_ENABLED: 'true', VOICE_CALL_ALLOWED_PREFIXES: '+1555' });
    await expect(new CallPlacer(unreachable).place(alice, request)).rejects.toMatchObject({
      code: ErrorCode.ProviderUnavailable,
    });
  });

  it("limits each user's calls a day, counted even while Redis is out of reach", async () => {
    const placer = new CallPlacer(
      configured({
        VOICE_CALLS_ENABLED: 'true',
        VOICE_CALL_ALLOWED_PREFIXES: '+1555',
        VOICE_CALLS_PER_USER_PER_DAY: '2',
      }),
    );
    const bob = '9c1d7e2a-4b5f-4e6a-8c7d-0e1f2a3b4c5d';
    for (let i = 0; i < 2; i += 1) {
      await expect(placer.place(alice, request)).rejects.toMatchObject({
        code: ErrorCode.ProviderUnavailable,
      });
    }
    await expect(placer.place(alice, request)).rejects.toMatchObject({
      code: ErrorCode.RateLimited,
      details: { retryAfterSeconds: expect.any(Number) },
    });
    await expect(placer.place(bob, request)).rejects.toMatchObject({ code: ErrorCode.ProviderUnavailable });
  });

  it('refuses prefixes that are not + and digits', () => {
    expect(PhoneCallsConfigSchema.safeParse({ VOICE_CALL_ALLOWED_PREFIXES: '1555' }).success).toBe(false);
    expect(PhoneCallsConfigSchema.safeParse({ VOICE_CALL_ALLOWED_PREFIXES: '+1-555' }).success).toBe(false);
  });
});
