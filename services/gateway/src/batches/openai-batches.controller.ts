import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { Bus } from '@conduit/bus';
import {
  BatchListSchema,
  BatchObjectSchema,
  BatchRefSchema,
  CreateBatchRequestSchema,
  ListBatchesQuerySchema,
  MediaBatchContract,
  type CreateBatchRequest,
  type ListBatchesQuery,
} from '@conduit/contracts';
import { ApiRoute } from '../http/api-route.decorator';
import type { AuthenticatedCaller } from '../identity/caller-context';
import { Caller } from '../identity/caller.decorator';

const TAG = 'openai-compatible';

/** OpenAI's Batch API over the media-gen service; only the caller's own batches. */
@Controller('v1/batches')
export class OpenAiBatchesController {
  constructor(private readonly bus: Bus) {}

  @Post()
  @HttpCode(200)
  @ApiRoute({
    summary:
      'Create a batch over an uploaded request file ({input_file_id, endpoint: /v1/chat/completions, completion_window: 24h, metadata?})',
    tag: TAG,
    body: CreateBatchRequestSchema,
    response: BatchObjectSchema,
  })
  create(@Body() body: CreateBatchRequest, @Caller() caller: AuthenticatedCaller) {
    return this.bus.request(MediaBatchContract.createBatch, body, caller);
  }

  @Get()
  @ApiRoute({
    summary: 'Your batches, newest first (OpenAI list: `after`, `limit`)',
    tag: TAG,
    query: ListBatchesQuerySchema,
    response: BatchListSchema,
  })
  list(@Query() query: ListBatchesQuery, @Caller() caller: AuthenticatedCaller) {
    return this.bus.request(MediaBatchContract.listBatches, query, caller);
  }

  @Get(':id')
  @ApiRoute({ summary: 'One batch', tag: TAG, params: BatchRefSchema, response: BatchObjectSchema })
  get(@Param() params: { id: string }, @Caller() caller: AuthenticatedCaller) {
    return this.bus.request(MediaBatchContract.getBatch, params, caller);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiRoute({
    summary:
      'Cancel a batch: `cancelling` until the lines in flight end, then `cancelled` with what finished',
    tag: TAG,
    params: BatchRefSchema,
    response: BatchObjectSchema,
  })
  cancel(@Param() params: { id: string }, @Caller() caller: AuthenticatedCaller) {
    return this.bus.request(MediaBatchContract.cancelBatch, params, caller);
  }
}
