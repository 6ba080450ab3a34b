import { Body, Controller, Delete, Get, Param, Post } from '@nestjs/common';
import { z } from 'zod';
import { Bus } from '@conduit/bus';
import {
  CollectionListSchema,
  CollectionRefSchema,
  CollectionSchema,
  CreateCollectionSchema,
  SearchContract,
} from '@conduit/contracts';
import { ApiRoute } from '../http/api-route.decorator';
import type { AuthenticatedCaller } from '../identity/caller-context';
import { Caller } from '../identity/caller.decorator';

const TAG = 'search';

/** Named collections of documents; `default` exists for everyone. */
@Controller('api/v1/search/collections')
export class SearchCollectionsController {
  constructor(private readonly bus: Bus) {}

  @Get()
  @ApiRoute({
    summary:
      'Your collections, the default one first, with their document counts, and where the index stands (a re-index after an embedding model change)',
    tag: TAG,
    response: CollectionListSchema,
  })
  list(@Caller() caller: AuthenticatedCaller) {
    return this.bus.request(SearchContract.listCollections, {}, caller);
  }

  @Post()
  @ApiRoute({
    summary: 'Create a named collection',
    tag: TAG,
    body: CreateCollectionSchema,
    response: CollectionSchema,
    successStatus: 201,
  })
  create(@Body() body: z.output<typeof CreateCollectionSchema>, @Caller() caller: AuthenticatedCaller) {
    return this.bus.request(SearchContract.createCollection, body, caller);
  }

  @Delete(':name')
  @ApiRoute({
    summary: 'Delete a collection with its documents and their chunks',
    tag: TAG,
    params: CollectionRefSchema,
    response: SearchContract.deleteCollection.response,
  })
  delete(@Param() params: { name: string }, @Caller() caller: AuthenticatedCaller) {
    return this.bus.request(SearchContract.deleteCollection, params, caller);
  }
}
