import { Controller } from '@nestjs/common';
import { HandleRequest } from '@conduit/bus';
import { MediaGenContract, type ImageModelList } from '@conduit/contracts';
import { ImageGenerators } from './image-generators';
import { IMAGE_MODELS } from './image-models';

/** The image models and what each takes, so clients can offer only what will be accepted. */
@Controller()
export class ImageModelsHandler {
  constructor(private readonly generators: ImageGenerators) {}

  @HandleRequest(MediaGenContract.listImageModels)
  list(): ImageModelList {
    return {
      models: IMAGE_MODELS.map((model) => ({
        id: model.id,
        sizes: [...model.sizes],
        qualities: [...model.qualities],
        maxImages: model.maxImages,
        edits: model.edits,
        available: this.generators.canRun(model),
      })),
    };
  }
}
