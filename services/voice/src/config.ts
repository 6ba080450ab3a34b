import { z } from 'zod';
import { configFields, loadConfig, ServiceConfigSchema } from '@conduit/service-kit';

const engineName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/);

export const VoiceConfigSchema = ServiceConfigSchema.extend({
  PORT: configFields.port(3104),
  /** `/metrics` (Prometheus) is served here only, never on PORT. */
  METRICS_PORT: configFields.port(9468),
  /** The recogniser sessions use when `start` names none (offline: PocketSphinx). */
  VOICE_DEFAULT_STT: engineName.default('pocketsphinx'),
  /** The synthesiser sessions use when `start` names none (offline: espeak-ng). */
  VOICE_DEFAULT_TTS: engineName.default('espeak-ng'),
});
export type VoiceConfig = z.infer<typeof VoiceConfigSchema>;

export const loadVoiceConfig = (env: NodeJS.ProcessEnv = process.env): VoiceConfig =>
  loadConfig(VoiceConfigSchema, env);
