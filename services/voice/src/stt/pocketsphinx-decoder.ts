import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runProcess, spawnWithPipedStdin } from '../processes/child-process';

/** The CMU Sphinx US English model's files inside the model folder (Debian: pocketsphinx-en-us). */
export const pocketSphinxModelFiles = (modelDir: string) => ({
  hmm: path.join(modelDir, 'en-us'),
  lm: path.join(modelDir, 'en-us.lm.bin'),
  dict: path.join(modelDir, 'cmudict-en-us.dict'),
});

/**
 * PocketSphinx's command-line decoder, `pocketsphinx_continuous`: it reads raw 16-bit mono PCM from
 * `-infile` and prints one line per utterance as its voice-activity detection hears each end.
 */
export class PocketSphinxDecoder {
  constructor(
    readonly binary: string,
    private readonly modelDir: string,
    readonly sampleRate: number,
  ) {}

  /** Decodes a whole recording; one string per utterance. */
  async decode(pcm: Buffer, signal?: AbortSignal): Promise<string[]> {
    // A file rather than stdin: the decoder opens its input by name (see spawnWithPipedStdin).
    const dir = await mkdtemp(path.join(tmpdir(), 'voice-sphinx-'));
    try {
      const input = path.join(dir, 'audio.raw');
      await writeFile(input, pcm);
      const { stdout } = await runProcess(this.binary, this.args(input), { signal });
      return utterancesOf(stdout.toString('utf8'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** A decoder reading PCM from its stdin as it is written; kill it with killProcessGroup. */
  startLive(): ChildProcess {
    return spawnWithPipedStdin(this.binary, this.args('/dev/stdin'));
  }

  private args(input: string): string[] {
    const model = pocketSphinxModelFiles(this.modelDir);
    return [
      '-infile',
      input,
      '-samprate',
      String(this.sampleRate),
      '-hmm',
      model.hmm,
      '-lm',
      model.lm,
      '-dict',
      model.dict,
    ];
  }
}

/** The decoder's lines, one per utterance, without the empty ones of utterances it heard no word in. */
export const utterancesOf = (stdout: string): string[] =>
  stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0);

/** The decoder's own error lines from its log, for error messages. */
export const decoderErrorsOf = (stderrTail: string): string =>
  stderrTail
    .split('\n')
    .filter((line) => /^(ERROR|FATAL)/.test(line))
    .slice(-3)
    .join('; ');
