import { sniffAudio } from './audio-sniffer';
import { wavHeader } from './wav-format';

describe('audio sniffing', () => {
  it('tells audio from its bytes', async () => {
    await expect(
      sniffAudio(Buffer.concat([wavHeader(16_000, 3_200), Buffer.alloc(3_200)])),
    ).resolves.toMatchObject({
      container: 'wav',
    });
    // An MPEG-1 Layer III frame header.
    const mp3 = Buffer.concat([Buffer.from([0xff, 0xfb, 0x90, 0x64]), Buffer.alloc(400)]);
    await expect(sniffAudio(mp3)).resolves.toMatchObject({ container: 'mp3' });
  });

  it('refuses what is not audio, whatever it would be called', async () => {
    await expect(sniffAudio(Buffer.from('plain text, not sound'))).resolves.toBeUndefined();
    await expect(sniffAudio(Buffer.from('%PDF-1.4\n1 0 obj\n<< >>\nendobj\n'))).resolves.toBeUndefined();
    const png = Buffer.from([
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52,
    ]);
    await expect(sniffAudio(png)).resolves.toBeUndefined();
  });
});
