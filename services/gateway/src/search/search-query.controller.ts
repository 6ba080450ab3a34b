import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { Bus } from '@conduit/bus';
import {
  SearchContract,
  SearchQuerySchema,
  SearchResponseSchema,
  type SearchQuery,
} from '@conduit/contracts';
import { ApiRoute } from '../http/api-route.decorator';
import type { AuthenticatedCaller } from '../identity/caller-context';
import { Caller } from '../identity/caller.decorator';

/** Retrieval over your own documents. */
@Controller('api/v1/search/query')
export class SearchQueryController {
  constructor(private readonly bus: Bus) {}

  @Post()
  @HttpCode(200)
  @ApiRoute({
    summary:
      'Search your documents: semantic, keyword (BM25) or hybrid, top-k up to 100, filters on tags, dates, source and collection; snippets with the ranges of the query words that matched',
    tag: 'search',
    body: SearchQuerySchema,
    response: SearchResponseSchema,
  })
  query(@Body() body: SearchQuery, @Caller() caller: AuthenticatedCaller) {
    return this.bus.request(SearchContract.query, body, caller);
  }
}
