import type { StreamReader } from '@conduit/bus';
import { ChatContract, type WsStreamFrameTypes } from '@conduit/contracts';
import { defineStreamEndpoint } from '../streaming/stream-endpoint';

export type CompletionStream = StreamReader<typeof ChatContract.completionStream>;

/** Chat's `/ws` frames were named before frames were generic; clients rely on these names. */
const CHAT_WS_FRAMES: WsStreamFrameTypes = { started: 'chat.started', event: 'chat.event' };

/** Every way a client starts a chat completion stream (over SSE, `/ws` or `/v1`). */
export const ChatStreamEndpoints = {
  message: defineStreamEndpoint({
    name: 'chat.message',
    start: ChatContract.startCompletion,
    stream: ChatContract.completionStream,
    wsFrames: CHAT_WS_FRAMES,
  }),
  regenerate: defineStreamEndpoint({
    name: 'chat.regenerate',
    start: ChatContract.regenerate,
    stream: ChatContract.completionStream,
    wsFrames: CHAT_WS_FRAMES,
  }),
  edit: defineStreamEndpoint({
    name: 'chat.edit',
    start: ChatContract.editMessage,
    stream: ChatContract.completionStream,
    wsFrames: CHAT_WS_FRAMES,
  }),
  /** A completion outside any session (what `/v1/chat/completions` runs). */
  completion: defineStreamEndpoint({
    name: 'chat.completion',
    start: ChatContract.runCompletion,
    stream: ChatContract.completionStream,
    wsFrames: CHAT_WS_FRAMES,
  }),
} as const;
