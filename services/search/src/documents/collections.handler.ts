import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { BusContext, HandleRequest } from '@conduit/bus';
import { SearchContract, requireUserId, type ParsedRequestOf } from '@conduit/contracts';
import { SearchEngine } from '../engine/search-engine';
import { CollectionsService } from './collections.service';

/** Collections, always the envelope's user's, and where the index stands. */
@Controller()
export class CollectionsHandler {
  constructor(
    private readonly collections: CollectionsService,
    private readonly engine: SearchEngine,
  ) {}

  @HandleRequest(SearchContract.listCollections)
  async list(@Ctx() ctx: BusContext) {
    const userId = requireUserId(ctx.envelope);
    return { data: await this.collections.list(userId), index: await this.engine.status(userId) };
  }

  @HandleRequest(SearchContract.createCollection)
  create(
    @Payload() payload: ParsedRequestOf<typeof SearchContract.createCollection>,
    @Ctx() ctx: BusContext,
  ) {
    return this.collections.create(requireUserId(ctx.envelope), payload.name, payload.description ?? null);
  }

  @HandleRequest(SearchContract.deleteCollection)
  async delete(
    @Payload() payload: ParsedRequestOf<typeof SearchContract.deleteCollection>,
    @Ctx() ctx: BusContext,
  ) {
    const documents = await this.collections.delete(requireUserId(ctx.envelope), payload.name);
    return { deleted: true as const, documents };
  }
}
