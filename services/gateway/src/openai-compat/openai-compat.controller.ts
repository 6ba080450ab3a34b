import { Body, Controller, Get, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Bus } from '@conduit/bus';
import {
  ChatContract,
  completion,
  completionChunk,
  contentChunkSerializer,
  DomainError,
  ErrorBody,
  ErrorCode,
  OpenAiChatRequestSchema,
  openAiErrorFrom,
  toCompletionMessages,
  toGenerationParams,
  usageChunk,
  type OpenAiChatRequest,
} from '@conduit/contracts';
import { ChatStreamEndpoints, type CompletionStream } from '../chat/chat-stream-endpoints';
import { ApiRoute } from '../http/api-route.decorator';
import type { AuthenticatedCaller } from '../identity/caller-context';
import { Caller } from '../identity/caller.decorator';
import { RequestCount, type RequestCountListener } from '../rate-limits/request-count';
import { SseResponse } from '../streaming/sse-response';
import { RelaysStream } from '../streaming/stream-endpoint';
import { StreamRelay } from '../streaming/stream-relay.service';

/** OpenAI's API shape over our chat service, so the official `openai` SDKs work by changing only baseURL. */
@Controller('v1')
export class OpenAiCompatController {
  constructor(
    private readonly bus: Bus,
    private readonly streams: StreamRelay,
  ) {}

  @Get('models')
  @ApiRoute({
    summary: 'The models this deployment can answer with, in OpenAI list format',
    tag: 'openai-compatible',
  })
  async models(@Caller() caller: AuthenticatedCaller) {
    const { models } = await this.bus.request(ChatContract.listModels, {}, caller);
    // As OpenAI lists the models a key may use: one whose provider has no credentials here is not usable.
    return {
      object: 'list',
      data: models
        .filter((m) => m.available)
        .map((m) => ({ id: m.id, object: 'model', created: 0, owned_by: m.provider })),
    };
  }

  @Post('chat/completions')
  @ApiRoute({
    summary: 'Chat completion, OpenAI format (stream or not)',
    tag: 'openai-compatible',
    body: OpenAiChatRequestSchema,
    produces: 'json-or-sse',
    successStatus: 200,
  })
  @RelaysStream(ChatStreamEndpoints.completion)
  async chatCompletions(
    @Body() body: OpenAiChatRequest,
    @Caller() caller: AuthenticatedCaller,
    @Res() reply: FastifyReply,
    @RequestCount() requestCount: RequestCountListener,
  ): Promise<void> {
    const { ack, stream } = await this.streams.start(
      caller,
      ChatStreamEndpoints.completion,
      { model: body.model, messages: toCompletionMessages(body), params: toGenerationParams(body) },
      requestCount,
    );
    const id = `chatcmpl-${ack.streamId.replace(/-/g, '')}`;
    const created = Math.floor(Date.now() / 1000);
    if (body.stream) {
      await relayOpenAiChunks(
        stream,
        new SseResponse(reply),
        id,
        created,
        body.model,
        body.stream_options?.include_usage === true,
      );
      return;
    }
    reply.raw.once('close', () => stream.close()); // a client that leaves gives its stream slot back
    let content = '';
    for await (const event of stream) {
      if (event.type === 'delta') content += event.text;
      else if (event.type === 'error') throw DomainError.fromBody(event.error as ErrorBody);
      else if (event.type === 'done') {
        void reply.send(completion(id, created, body.model, content, event.finishReason, event.usage));
        return;
      }
    }
    throw new DomainError(ErrorCode.StreamLost, 'The answer ended without a result');
  }
}

async function relayOpenAiChunks(
  stream: CompletionStream,
  sse: SseResponse,
  id: string,
  created: number,
  model: string,
  includeUsage: boolean,
): Promise<void> {
  sse.onClose(() => stream.close());
  sse.event(JSON.stringify(completionChunk(id, created, model, { role: 'assistant', content: '' }, null)));
  const contentChunk = contentChunkSerializer(id, created, model);
  for await (const event of stream) {
    if (event.type === 'delta') {
      sse.event(contentChunk(event.text));
    } else if (event.type === 'done') {
      sse.event(JSON.stringify(completionChunk(id, created, model, {}, event.finishReason)));
      if (includeUsage) sse.event(JSON.stringify(usageChunk(id, created, model, event.usage)));
    } else if (event.type === 'error') {
      sse.event(JSON.stringify(openAiErrorFrom(event.error as ErrorBody)));
    }
  }
  sse.event('[DONE]');
  sse.end();
}
