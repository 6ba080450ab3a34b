import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { BusContext, HandleRequest } from '@conduit/bus';
import { SearchContract, requireUserId, type ParsedRequestOf } from '@conduit/contracts';
import { QueryService } from './query.service';

/** Retrieval over the envelope's user's own documents. */
@Controller()
export class QueryHandler {
  constructor(private readonly queries: QueryService) {}

  @HandleRequest(SearchContract.query)
  search(@Payload() payload: ParsedRequestOf<typeof SearchContract.query>, @Ctx() ctx: BusContext) {
    const userId = requireUserId(ctx.envelope);
    return this.queries.search({ userId, apiKeyId: ctx.envelope.apiKeyId }, payload);
  }
}
