import { Body, Controller, Delete, Get, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Bus } from '@conduit/bus';
import {
  ChatContract,
  ChatSessionSchema,
  ChatSessionWithMessagesSchema,
  CreateSessionRequestSchema,
  ListSessionsRequestSchema,
  RenameSessionRequestSchema,
  SendMessageBodySchema,
  SendMessageResponseSchema,
  SessionPageSchema,
  SessionRefSchema,
} from '@conduit/contracts';
import type { CreateSessionRequest, SendMessageBody } from '@conduit/contracts';
import { z } from 'zod';
import { ApiRoute } from '../http/api-route.decorator';
import { CurrentPrincipal } from '../identity/current-principal.decorator';
import type { Principal } from '../identity/principal';
import { callerContextOf } from './caller-context';
import { ChatStreamsService } from './chat-streams.service';
import { collectAnswer, relayAsSse } from './completion-relay';
import { SseResponse } from './sse-response';

const TAG = 'chat';
const StreamRefSchema = z.strictObject({ streamId: z.uuid() });

@Controller('api/v1/chat')
export class ChatSessionsController {
  constructor(
    private readonly bus: Bus,
    private readonly streams: ChatStreamsService,
  ) {}

  @Post('sessions')
  @ApiRoute({
    summary: 'Create a chat session',
    tag: TAG,
    body: CreateSessionRequestSchema,
    response: ChatSessionSchema,
    successStatus: 201,
  })
  create(
    @Body() body: CreateSessionRequest,
    @CurrentPrincipal() principal: Principal,
    @Req() req: FastifyRequest,
  ) {
    return this.bus.request(ChatContract.createSession, body, callerContextOf(principal, req.headers));
  }

  @Get('sessions')
  @ApiRoute({
    summary: 'List your chat sessions, newest activity first',
    tag: TAG,
    query: ListSessionsRequestSchema,
    response: SessionPageSchema,
  })
  list(
    @Query() query: z.output<typeof ListSessionsRequestSchema>,
    @CurrentPrincipal() principal: Principal,
    @Req() req: FastifyRequest,
  ) {
    return this.bus.request(ChatContract.listSessions, query, callerContextOf(principal, req.headers));
  }

  @Get('sessions/:sessionId')
  @ApiRoute({
    summary: 'A chat session with its messages',
    tag: TAG,
    params: SessionRefSchema,
    response: ChatSessionWithMessagesSchema,
  })
  get(
    @Param() params: z.output<typeof SessionRefSchema>,
    @CurrentPrincipal() principal: Principal,
    @Req() req: FastifyRequest,
  ) {
    return this.bus.request(ChatContract.getSession, params, callerContextOf(principal, req.headers));
  }

  @Patch('sessions/:sessionId')
  @ApiRoute({
    summary: 'Rename a chat session',
    tag: TAG,
    params: SessionRefSchema,
    body: RenameSessionRequestSchema,
    response: ChatSessionSchema,
  })
  rename(
    @Param() params: z.output<typeof SessionRefSchema>,
    @Body() body: z.output<typeof RenameSessionRequestSchema>,
    @CurrentPrincipal() principal: Principal,
    @Req() req: FastifyRequest,
  ) {
    return this.bus.request(
      ChatContract.renameSession,
      { ...params, ...body },
      callerContextOf(principal, req.headers),
    );
  }

  @Delete('sessions/:sessionId')
  @ApiRoute({
    summary: 'Delete a chat session and its messages',
    tag: TAG,
    params: SessionRefSchema,
    successStatus: 204,
    produces: 'none',
  })
  async delete(
    @Param() params: z.output<typeof SessionRefSchema>,
    @CurrentPrincipal() principal: Principal,
    @Req() req: FastifyRequest,
  ) {
    await this.bus.request(ChatContract.deleteSession, params, callerContextOf(principal, req.headers));
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
  async send(
    @Param() params: z.output<typeof SessionRefSchema>,
    @Body() body: SendMessageBody,
    @CurrentPrincipal() principal: Principal,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { ack, stream } = await this.streams.startInSession(callerContextOf(principal, req.headers), {
      sessionId: params.sessionId,
      content: body.content,
      ...(body.model ? { model: body.model } : {}),
    });
    if (!body.stream) {
      void reply.status(200).send(await collectAnswer(stream, ack));
      return;
    }
    const sse = new SseResponse(reply, {
      'x-stream-id': ack.streamId,
      'x-assistant-message-id': ack.assistantMessageId,
    });
    await relayAsSse(stream, sse);
  }

  @Delete('streams/:streamId')
  @ApiRoute({
    summary: 'Stop a running generation (the text so far is kept)',
    tag: TAG,
    params: StreamRefSchema,
    successStatus: 204,
    produces: 'none',
  })
  async stop(
    @Param() params: z.output<typeof StreamRefSchema>,
    @CurrentPrincipal() principal: Principal,
    @Req() req: FastifyRequest,
  ) {
    await this.streams.cancel(callerContextOf(principal, req.headers), params.streamId);
  }
}
