import { Controller } from '@nestjs/common';
import { HandleRequest } from '@conduit/bus';
import { ChatContract } from '@conduit/contracts';
import { ModelCatalog } from './model-catalog';

@Controller()
export class ModelsHandler {
  constructor(private readonly catalog: ModelCatalog) {}

  @HandleRequest(ChatContract.listModels)
  list() {
    return { models: this.catalog.list() };
  }
}
