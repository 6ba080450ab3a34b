/** The layout of a canonical PCM WAV file's header (RIFF, one `fmt ` chunk, then `data`). */
export const WAV_HEADER_BYTES = 44;

export interface WavFormat {
  readonly sampleRate: number;
  readonly channels: number;
  readonly bitsPerSample: number;
  /** 1 = integer PCM. */
  readonly audioFormat: number;
  /** Where the samples start. */
  readonly dataOffset: number;
}

export class NotWavError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotWavError';
  }
}

/** A 16-bit PCM WAV header for `dataBytes` of samples (the rest of the file). */
export function wavHeader(sampleRate: number, dataBytes: number, channels = 1): Buffer {
  const header = Buffer.alloc(WAV_HEADER_BYTES);
  const blockAlign = channels * 2;
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * blockAlign, 28);
  header.writeUInt16LE(blockAlign, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(dataBytes, 40);
  return header;
}

/**
 * Reads the format of a WAV stream from its first bytes; `undefined` while they do not hold the whole
 * header yet. Written here rather than taken from a WAV library because the streams it reads (a
 * synthesiser's stdout) announce an unknown length, which whole-file parsers refuse.
 */
export function readWavHeader(head: Buffer): WavFormat | undefined {
  if (head.length < 12) return undefined;
  if (head.toString('ascii', 0, 4) !== 'RIFF' || head.toString('ascii', 8, 12) !== 'WAVE')
    throw new NotWavError('not a RIFF/WAVE stream');
  let format: Omit<WavFormat, 'dataOffset'> | undefined;
  let offset = 12;
  while (offset + 8 <= head.length) {
    const id = head.toString('ascii', offset, offset + 4);
    const size = head.readUInt32LE(offset + 4);
    if (id === 'data') {
      if (!format) throw new NotWavError('WAV data before its format');
      return { ...format, dataOffset: offset + 8 };
    }
    if (id === 'fmt ') {
      if (offset + 8 + 16 > head.length) return undefined;
      format = {
        audioFormat: head.readUInt16LE(offset + 8),
        channels: head.readUInt16LE(offset + 10),
        sampleRate: head.readUInt32LE(offset + 12),
        bitsPerSample: head.readUInt16LE(offset + 22),
      };
    }
    offset += 8 + size + (size % 2);
  }
  return undefined;
}
