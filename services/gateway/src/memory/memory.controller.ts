import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { z } from 'zod';
import { Bus } from '@conduit/bus';
import {
  ListMemoryRequestSchema,
  MemoryContract,
  MemoryPageSchema,
  RecallMemoryRequestSchema,
  RecallMemoryResponseSchema,
  type RecallMemoryRequest,
} from '@conduit/contracts';
import { ApiRoute } from '../http/api-route.decorator';
import type { AuthenticatedCaller } from '../identity/caller-context';
import { Caller } from '../identity/caller.decorator';

const TAG = 'memory';
const MemorySearchBodySchema = RecallMemoryRequestSchema.omit({ excludeSessionId: true });
const MemoryIdParamSchema = z.strictObject({ id: z.uuid() });
const SessionIdParamSchema = z.strictObject({ sessionId: z.uuid() });

/** Your long-term memory: what you said in chat, and your collections, as chat recalls them. */
@Controller('api/v1/memory')
export class MemoryController {
  constructor(private readonly bus: Bus) {}

  @Post('search')
  @HttpCode(200)
  @ApiRoute({
    summary:
      'Search your memory as chat recalls it: your remembered conversations and named collections, hybrid ranking, passages with where each came from',
    tag: TAG,
    body: MemorySearchBodySchema,
    response: RecallMemoryResponseSchema,
  })
  search(@Body() body: RecallMemoryRequest, @Caller() caller: AuthenticatedCaller) {
    return this.bus.request(MemoryContract.recall, body, caller);
  }

  @Get()
  @ApiRoute({
    summary: 'What is remembered of your conversations, newest first (optionally of one chat session)',
    tag: TAG,
    query: ListMemoryRequestSchema,
    response: MemoryPageSchema,
  })
  list(@Query() query: z.output<typeof ListMemoryRequestSchema>, @Caller() caller: AuthenticatedCaller) {
    return this.bus.request(MemoryContract.list, query, caller);
  }

  @Delete('sessions/:sessionId')
  @ApiRoute({
    summary: 'Forget everything remembered of one chat session',
    tag: TAG,
    params: SessionIdParamSchema,
    response: z.object({ deleted: z.number().int() }),
  })
  forgetSession(@Param() params: { sessionId: string }, @Caller() caller: AuthenticatedCaller) {
    return this.bus.request(MemoryContract.forget, params, caller);
  }

  @Delete(':id')
  @ApiRoute({
    summary: 'Forget one remembered message',
    tag: TAG,
    params: MemoryIdParamSchema,
    successStatus: 204,
    produces: 'none',
  })
  async forget(@Param() params: { id: string }, @Caller() caller: AuthenticatedCaller): Promise<void> {
    await this.bus.request(MemoryContract.forget, params, caller);
  }
}
