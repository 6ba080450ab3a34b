import { Bus, ObjectTransfer } from '@conduit/bus';
import { DomainError, ErrorCode, VOICE_AUDIO_BUCKET, VoiceContract } from '@conduit/contracts';
import { wavHeader } from '../src/audio/wav-format';
import { startVoiceAlone, type VoiceAlone } from './support/voice-alone';

describe('voice service without its Debian programs', () => {
  let voice: VoiceAlone;
  let bus: Bus;
  const caller = { userId: 'user-1' };

  beforeAll(async () => {
    voice = await startVoiceAlone('voice-missing', {
      VOICE_POCKETSPHINX_BINARY: '/nonexistent/pocketsphinx_continuous',
      VOICE_ESPEAK_BINARY: '/nonexistent/espeak-ng',
    });
    bus = voice.bus;
  });

  afterAll(() => voice?.close());

  it('starts, says which engine cannot run and why, and refuses requests for it with SERVICE_UNAVAILABLE', async () => {
    const list = await bus.request(VoiceContract.listVoices, {}, caller);
    expect(list.engines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          id: 'pocketsphinx',
          available: false,
          reason: expect.stringMatching(/pocketsphinx/),
        }),
        expect.objectContaining({
          id: 'espeak-ng',
          available: false,
          reason: expect.stringMatching(/espeak-ng/),
        }),
      ]),
    );
    expect(list.voices).toEqual([]);

    const speech = bus.request(VoiceContract.synthesize, { text: 'hello', format: 'wav' }, caller);
    await expect(speech).rejects.toBeInstanceOf(DomainError);
    await expect(speech).rejects.toMatchObject({
      code: ErrorCode.ServiceUnavailable,
      message: expect.stringMatching(/espeak-ng/),
    });

    const upload = await new ObjectTransfer(bus, VOICE_AUDIO_BUCKET).put(
      Buffer.concat([wavHeader(16_000, 32_000), Buffer.alloc(32_000)]),
    );
    await expect(
      bus.request(VoiceContract.transcribe, { upload, language: 'en-US' }, caller),
    ).rejects.toMatchObject({
      code: ErrorCode.ServiceUnavailable,
    });
    await expect(bus.request(VoiceContract.checkHealth, {}, caller)).resolves.toMatchObject({ status: 'ok' });
  });
});
