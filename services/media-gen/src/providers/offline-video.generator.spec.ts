import { probeVideo } from '@conduit/testing';
import { OfflineImageGenerator } from './offline-image.generator';
import { OfflineVideoGenerator } from './offline-video.generator';
import { probeFfmpeg, type FfmpegEngine } from './ffmpeg-engine';
import type { VideoRequest } from './video-generator.port';

describe('OfflineVideoGenerator', () => {
  let engine: FfmpegEngine;
  let generator: OfflineVideoGenerator;

  beforeAll(async () => {
    const probed = await probeFfmpeg('ffmpeg');
    if (!probed.ok) throw new Error(probed.reason);
    engine = probed.engine;
    generator = new OfflineVideoGenerator(engine, 60_000);
  });

  const run = (request: Partial<VideoRequest>, percents: number[] = []) =>
    generator.generate(
      { model: 'placeholder-video', prompt: 'a red boat', size: '640x360', seconds: 2, ...request },
      { signal: new AbortController().signal, onProgress: (p) => percents.push(p) },
    );

  it('makes the same MP4 for the same prompt and another for another, labelled a placeholder', async () => {
    const percents: number[] = [];
    const first = await run({}, percents);
    expect(first.contentType).toBe('video/mp4');
    expect(Buffer.from(first.data.subarray(4, 8)).toString()).toBe('ftyp');
    expect(probeVideo(first.data)).toMatchObject({
      codec: engine.encoder === 'libx264' ? 'h264' : 'mpeg4',
      width: 640,
      height: 360,
    });
    expect(probeVideo(first.data).seconds).toBeCloseTo(2, 0);
    expect(first.metadata).toMatchObject({
      placeholder: true,
      seconds: 2,
      width: 640,
      height: 360,
      fromImage: false,
    });
    expect(percents.at(-1)).toBe(100);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    const again = await run({});
    const other = await run({ prompt: 'a blue boat' });
    expect(Buffer.from(again.data).equals(Buffer.from(first.data))).toBe(true);
    expect(Buffer.from(other.data).equals(Buffer.from(first.data))).toBe(false);
  });

  it('starts from an input image, in the asked size and length', async () => {
    const [image] = await new OfflineImageGenerator().generate(
      { model: 'placeholder-image', prompt: 'a still', size: '256x256', n: 1 },
      { signal: new AbortController().signal, onProgress: () => undefined },
    );
    const clip = await run({
      size: '360x640',
      seconds: 1,
      image: { data: image!.data, contentType: 'image/png' },
    });
    expect(probeVideo(clip.data)).toMatchObject({ width: 360, height: 640 });
    expect(clip.metadata).toMatchObject({ fromImage: true });
  });

  it('refuses an input image ffmpeg cannot read, as bad input', async () => {
    await expect(
      run({ image: { data: new Uint8Array([1, 2, 3, 4]), contentType: 'image/png' } }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('stops ffmpeg when aborted', async () => {
    const controller = new AbortController();
    const running = generator.generate(
      { model: 'placeholder-video', prompt: 'long', size: '1280x720', seconds: 10 },
      { signal: controller.signal, onProgress: () => undefined },
    );
    controller.abort(new Error('stopped'));
    await expect(running).rejects.toThrow('stopped');
  });

  it('says what is missing when ffmpeg is not there', async () => {
    const probed = await probeFfmpeg('/nonexistent/ffmpeg');
    expect(probed).toMatchObject({ ok: false, reason: expect.stringContaining('/nonexistent/ffmpeg') });
  });
});
