import { FixedImageGenerator } from './fixed-image.generator';

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

describe('FixedImageGenerator', () => {
  const generator = new FixedImageGenerator();

  it('answers each image with the same tiny PNG, labelled a placeholder', async () => {
    const images = await generator.generate(
      { model: 'placeholder-image', prompt: 'anything', size: '1024x1024', n: 3 },
      { signal: new AbortController().signal, onProgress: () => undefined },
    );
    expect(images).toHaveLength(3);
    for (const image of images) {
      expect([...image.data.subarray(0, 8)]).toEqual(PNG_MAGIC);
      expect(image.data.byteLength).toBeLessThan(100);
      expect(image.metadata).toMatchObject({ placeholder: true, width: 1, height: 1 });
    }
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stopped'));
    await expect(
      generator.generate(
        { model: 'placeholder-image', prompt: 'x', size: '256x256', n: 1 },
        { signal: controller.signal, onProgress: () => undefined },
      ),
    ).rejects.toThrow('stopped');
  });
});
