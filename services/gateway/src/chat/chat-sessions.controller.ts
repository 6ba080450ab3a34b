import { Body, Controller, Delete, Get, Headers, Param, Patch, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { Bus } from '@conduit/bus';
import {
  ChatContract,
  ChatSessionSchema,
  ChatSessionWithMessagesSchema,
  CreateSessionRequestSchema,
  EditMessageBodySchema,
  ListMessagesQuerySchema,
  MessagePageSchema,
  RegenerateBodySchema,
  ListSessionsRequestSchema,
  SendMessageBodySchema,
  SendMessageResponseSchema,
  SessionPageSchema,
  SessionRefSchema,
  UpdateSessionRequestSchema,
} from '@conduit/contracts';
import type { CreateSessionRequest, ResponseOf, SendMessageBody } from '@conduit/contracts';
import { ApiRoute } from '../http/api-route.decorator';
import type { AuthenticatedCaller } from '../identity/caller-context';
import { Caller } from '../identity/caller.decorator';
import { RequestCount, type RequestCountListener } from '../rate-limits/request-count';
import { resumeAsSse, sendAsSse } from '../streaming/sse-relay';
import { RelaysStream } from '../streaming/stream-endpoint';
import { StreamRelay } from '../streaming/stream-relay.service';
import {
  ResumeQuerySchema,
  StreamRefSchema,
  type ResumeQuery,
  type StreamRef,
} from '../streaming/streams.controller';
import { ChatStreamEndpoints, type CompletionStream } from './chat-stream-endpoints';
import { collectAnswer } from './answer-collector';

const TAG = 'chat';
const MessageRefSchema = z.strictObject({ sessionId: z.uuid(), messageId: z.uuid() });

@Controller('api/v1/chat')
export class ChatSessionsController {
  constructor(
    private readonly bus: Bus,
    private readonly streams: StreamRelay,
  ) {}

  @Post('sessions')
  @ApiRoute({
    summary: 'Create a chat session',
    tag: TAG,
    body: CreateSessionRequestSchema,
    response: ChatSessionSchema,
    successStatus: 201,
  })
  create(@Body() body: CreateSessionRequest, @Caller() caller: AuthenticatedCaller) {
    return this.bus.request(ChatContract.createSession, body, caller);
  }

  @Get('sessions')
  @ApiRoute({
    summary: 'List your chat sessions, newest activity first',
    tag: TAG,
    query: ListSessionsRequestSchema,
    response: SessionPageSchema,
  })
  list(@Query() query: z.output<typeof ListSessionsRequestSchema>, @Caller() caller: AuthenticatedCaller) {
    return this.bus.request(ChatContract.listSessions, query, caller);
  }

  @Get('sessions/:sessionId')
  @ApiRoute({
    summary: 'A chat session with its newest page of messages (olderMessagesCursor pages on)',
    tag: TAG,
    params: SessionRefSchema,
    response: ChatSessionWithMessagesSchema,
  })
  get(@Param() params: z.output<typeof SessionRefSchema>, @Caller() caller: AuthenticatedCaller) {
    return this.bus.request(ChatContract.getSession, params, caller);
  }

  @Get('sessions/:sessionId/messages')
  @ApiRoute({
    summary: "A page of a session's messages (every branch), oldest first; cursor pages to older ones",
    tag: TAG,
    params: SessionRefSchema,
    query: ListMessagesQuerySchema,
    response: MessagePageSchema,
  })
  listMessages(
    @Param() params: z.output<typeof SessionRefSchema>,
    @Query() query: z.output<typeof ListMessagesQuerySchema>,
    @Caller() caller: AuthenticatedCaller,
  ) {
    return this.bus.request(ChatContract.listMessages, { ...params, ...query }, caller);
  }

  @Patch('sessions/:sessionId')
  @ApiRoute({
    summary: 'Rename a chat session and/or switch the branch new messages continue from',
    tag: TAG,
    params: SessionRefSchema,
    body: UpdateSessionRequestSchema,
    response: ChatSessionSchema,
  })
  update(
    @Param() params: z.output<typeof SessionRefSchema>,
    @Body() body: z.output<typeof UpdateSessionRequestSchema>,
    @Caller() caller: AuthenticatedCaller,
  ) {
    return this.bus.request(ChatContract.updateSession, { ...params, update: body }, caller);
  }

  @Delete('sessions/:sessionId')
  @ApiRoute({
    summary: 'Delete a chat session and its messages',
    tag: TAG,
    params: SessionRefSchema,
    successStatus: 204,
    produces: 'none',
  })
  async delete(@Param() params: z.output<typeof SessionRefSchema>, @Caller() caller: AuthenticatedCaller) {
    await this.bus.request(ChatContract.deleteSession, params, caller);
  }

  @Post('sessions/:sessionId/messages')
  @ApiRoute({
    summary:
      'Send a message and stream the answer (SSE events delta, usage, done, error), or get JSON with stream: false',
    tag: TAG,
    params: SessionRefSchema,
    body: SendMessageBodySchema,
    response: SendMessageResponseSchema,
    produces: 'json-or-sse',
  })
  @RelaysStream(ChatStreamEndpoints.message)
  async send(
    @Param() params: z.output<typeof SessionRefSchema>,
    @Body() body: SendMessageBody,
    @Caller() caller: AuthenticatedCaller,
    @Res() reply: FastifyReply,
    @RequestCount() requestCount: RequestCountListener,
  ): Promise<void> {
    const turn = await this.streams.start(
      caller,
      ChatStreamEndpoints.message,
      {
        sessionId: params.sessionId,
        content: body.content,
        ...(body.model ? { model: body.model } : {}),
        ...(body.memory ? { memory: body.memory } : {}),
      },
      requestCount,
    );
    await answer(reply, turn, body.stream);
  }

  @Post('sessions/:sessionId/regenerate')
  @ApiRoute({
    summary: 'Answer the last message again; the new answer is kept beside the earlier ones',
    tag: TAG,
    params: SessionRefSchema,
    body: RegenerateBodySchema,
    response: SendMessageResponseSchema,
    produces: 'json-or-sse',
  })
  @RelaysStream(ChatStreamEndpoints.regenerate)
  async regenerate(
    @Param() params: z.output<typeof SessionRefSchema>,
    @Body() body: z.output<typeof RegenerateBodySchema>,
    @Caller() caller: AuthenticatedCaller,
    @Res() reply: FastifyReply,
    @RequestCount() requestCount: RequestCountListener,
  ): Promise<void> {
    const turn = await this.streams.start(
      caller,
      ChatStreamEndpoints.regenerate,
      {
        sessionId: params.sessionId,
        ...(body.model ? { model: body.model } : {}),
        ...(body.memory ? { memory: body.memory } : {}),
      },
      requestCount,
    );
    await answer(reply, turn, body.stream);
  }

  @Post('sessions/:sessionId/messages/:messageId/edits')
  @ApiRoute({
    summary: 'Say a past message differently and continue from there, as a new branch',
    tag: TAG,
    params: MessageRefSchema,
    body: EditMessageBodySchema,
    response: SendMessageResponseSchema,
    produces: 'json-or-sse',
  })
  @RelaysStream(ChatStreamEndpoints.edit)
  async edit(
    @Param() params: z.output<typeof MessageRefSchema>,
    @Body() body: z.output<typeof EditMessageBodySchema>,
    @Caller() caller: AuthenticatedCaller,
    @Res() reply: FastifyReply,
    @RequestCount() requestCount: RequestCountListener,
  ): Promise<void> {
    const turn = await this.streams.start(
      caller,
      ChatStreamEndpoints.edit,
      {
        sessionId: params.sessionId,
        messageId: params.messageId,
        content: body.content,
        ...(body.model ? { model: body.model } : {}),
        ...(body.memory ? { memory: body.memory } : {}),
      },
      requestCount,
    );
    await answer(reply, turn, body.stream);
  }

  @Get('streams/:streamId/events')
  @ApiRoute({
    summary:
      'Resume a stream after losing it: the events after Last-Event-ID (or ?after=<seq>) in order, then the live rest (SSE)',
    tag: TAG,
    params: StreamRefSchema,
    query: ResumeQuerySchema,
    produces: 'sse',
  })
  async resume(
    @Param() params: StreamRef,
    @Query() query: ResumeQuery,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Caller() caller: AuthenticatedCaller,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await resumeAsSse(this.streams, caller, reply, { ...params, lastEventId, after: query.after });
  }

  @Delete('streams/:streamId')
  @ApiRoute({
    summary:
      'Stop a running generation, the text so far kept (404: unknown or not yours; 409: already finished)',
    tag: TAG,
    params: StreamRefSchema,
    successStatus: 204,
    produces: 'none',
  })
  async stop(@Param() params: StreamRef, @Caller() caller: AuthenticatedCaller) {
    await this.streams.cancel(caller, params.streamId);
  }
}

/** Answers a new turn as SSE, or as one JSON body once the answer is complete. */
async function answer(
  reply: FastifyReply,
  { ack, stream }: { ack: ResponseOf<typeof ChatContract.startCompletion>; stream: CompletionStream },
  asStream: boolean,
): Promise<void> {
  if (!asStream) {
    reply.raw.once('close', () => stream.close()); // a client that leaves gives its stream slot back
    void reply.status(200).send(await collectAnswer(stream, ack));
    return;
  }
  await sendAsSse(reply, stream, { 'x-assistant-message-id': ack.assistantMessageId });
}
