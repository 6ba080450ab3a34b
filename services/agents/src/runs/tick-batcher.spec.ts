import { TickBatcher } from './tick-batcher';

describe('TickBatcher', () => {
  it('hands what is added in one turn of the event loop to one write, and settles each add with it', async () => {
    const writes: number[][] = [];
    const batcher = new TickBatcher<number, string>((items) => {
      writes.push([...items]);
      return Promise.resolve(items.map((item) => `written ${item}`));
    });
    await expect(Promise.all([batcher.add(1), batcher.add(2), batcher.add(3)])).resolves.toEqual([
      'written 1',
      'written 2',
      'written 3',
    ]);
    await expect(batcher.add(4)).resolves.toBe('written 4');
    expect(writes).toEqual([[1, 2, 3], [4]]);
  });

  it('rejects every add of a batch whose write fails, and writes the next batch anew', async () => {
    let fail = true;
    const batcher = new TickBatcher<string>(async (items) => {
      if (fail) throw new Error('down');
      return items.map(() => undefined);
    });
    const first = [batcher.add('a'), batcher.add('b')];
    await expect(first[0]).rejects.toThrow('down');
    await expect(first[1]).rejects.toThrow('down');
    fail = false;
    await expect(batcher.add('c')).resolves.toBeUndefined();
  });

  it('rejects the adds when the write throws before returning a promise', async () => {
    const batcher = new TickBatcher<string>(() => {
      throw new Error('bad batch');
    });
    await expect(batcher.add('a')).rejects.toThrow('bad batch');
  });

  it('writes after the next poll for I/O when it yields to I/O, and at the end of the turn otherwise', async () => {
    const order: string[] = [];
    const batcher = (name: string, yieldToIo: boolean) =>
      new TickBatcher<number>(
        (items) => {
          order.push(name);
          return Promise.resolve(items.map(() => undefined));
        },
        { yieldToIo },
      );
    const yielding = batcher('yielding', true).add(1);
    const prompt = batcher('prompt', false).add(1);
    setImmediate(() => order.push('same turn'));
    await Promise.all([yielding, prompt]);
    expect(order).toEqual(['prompt', 'same turn', 'yielding']);
  });
});
