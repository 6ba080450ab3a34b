import { ErrorCode } from '@conduit/contracts';
import { CallPlacer } from './call-placer';
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

  it('refuses prefixes that are not + and digits', () => {
    expect(PhoneCallsConfigSchema.safeParse({ VOICE_CALL_ALLOWED_PREFIXES: '1555' }).success).toBe(false);
    expect(PhoneCallsConfigSchema.safeParse({ VOICE_CALL_ALLOWED_PREFIXES: '+1-555' }).success).toBe(false);
  });
});
