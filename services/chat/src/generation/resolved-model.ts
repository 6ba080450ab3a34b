import { ModelInfo } from '@conduit/contracts';
import { TextGenerationProvider } from '../providers/text-generation.provider';

/** A catalog entry joined with the adapter that serves it. */
export interface ResolvedModel {
  info: ModelInfo;
  provider: TextGenerationProvider;
  /** The provider's own name for the model. */
  providerModel: string;
}
