import { NotWavError, readWavHeader, WAV_HEADER_BYTES, wavHeader } from './wav-format';

describe('WAV header', () => {
  it('reads back the header it writes', () => {
    const header = wavHeader(22_050, 1_000);
    expect(header.length).toBe(WAV_HEADER_BYTES);
    expect(readWavHeader(header)).toEqual({
      audioFormat: 1,
      channels: 1,
      sampleRate: 22_050,
      bitsPerSample: 16,
      dataOffset: WAV_HEADER_BYTES,
    });
  });

  it('waits for more bytes while the header is incomplete, and skips chunks before the data', () => {
    const header = wavHeader(16_000, 0);
    expect(readWavHeader(header.subarray(0, 30))).toBeUndefined();
    const list = Buffer.concat([Buffer.from('LIST'), Buffer.from([3, 0, 0, 0]), Buffer.from('abc\0')]);
    const withList = Buffer.concat([header.subarray(0, 36), list, header.subarray(36)]);
    expect(readWavHeader(withList)).toMatchObject({
      sampleRate: 16_000,
      dataOffset: WAV_HEADER_BYTES + list.length,
    });
  });

  it('refuses what is not WAV', () => {
    expect(() =>
      readWavHeader(Buffer.from('ID3\u0004\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000')),
    ).toThrow(NotWavError);
  });
});
