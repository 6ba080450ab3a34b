import { OfflineImageGenerator } from './offline-image.generator';

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

describe('OfflineImageGenerator', () => {
  const generator = new OfflineImageGenerator();
  const run = (prompt: string, n = 1, percents: number[] = []) =>
    generator.generate(
      { model: 'placeholder-image', prompt, size: '256x256', n },
      { signal: new AbortController().signal, onProgress: (p) => percents.push(p) },
    );

  it('draws the same PNG for the same prompt, another for another, labelled a placeholder', async () => {
    const percents: number[] = [];
    const [first, second] = await run('a red boat', 2, percents);
    expect([...first!.data.subarray(0, 8)]).toEqual(PNG_MAGIC);
    expect(first!.metadata).toMatchObject({ placeholder: true, width: 256, height: 256 });
    expect(percents).toEqual([50, 100]);
    const [again] = await run('a red boat');
    const [other] = await run('a blue boat');
    expect(Buffer.from(again!.data).equals(Buffer.from(first!.data))).toBe(true);
    expect(Buffer.from(other!.data).equals(Buffer.from(first!.data))).toBe(false);
    expect(Buffer.from(second!.data).equals(Buffer.from(first!.data))).toBe(false);
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
