import type { VoiceInfo } from './text-to-speech.port';

/**
 * Parses `espeak-ng --voices`: a header line, then one voice a line as
 * `Pty Language Age/Gender VoiceName File Other-languages`, the name with `_` for spaces.
 */
export function parseEspeakVoices(listing: string): VoiceInfo[] {
  return listing
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((columns) => columns.length >= 5)
    .map(([, language, , name]) => ({ id: language!, name: name!.replace(/_/g, ' '), language: language! }));
}

/**
 * The voice to speak with: the one asked for, else one of the requested language (`de-DE`, then `de`),
 * else the default. `undefined` when the requested voice is not one of `voices`.
 */
export function chooseEspeakVoice(
  voices: readonly VoiceInfo[],
  request: { voice?: string; language?: string },
  defaultVoice: string,
): string | undefined {
  const ids = new Set(voices.map((voice) => voice.id));
  if (request.voice !== undefined) return ids.has(request.voice) ? request.voice : undefined;
  const language = request.language?.toLowerCase();
  if (language) {
    const primary = language.split('-')[0]!;
    for (const candidate of [language, primary]) if (ids.has(candidate)) return candidate;
  }
  return defaultVoice;
}
