import { decoderErrorsOf, utterancesOf } from './pocketsphinx-decoder';

describe('PocketSphinx decoder output', () => {
  it('takes one utterance a line, without the empty ones', () => {
    expect(utterancesOf('what is the weather\n\n  like today \n')).toEqual([
      'what is the weather',
      'like today',
    ]);
  });

  it('keeps the error lines of its log', () => {
    const log =
      'INFO: cmd_ln.c(702): Parsing\nERROR: "acmod.c", line 83: Folder does not exist\nFATAL: "continuous.c", line 9: failed';
    expect(decoderErrorsOf(log)).toBe(
      'ERROR: "acmod.c", line 83: Folder does not exist; FATAL: "continuous.c", line 9: failed',
    );
  });
});
