import { z } from 'zod';
import { RUN_START_ERRORS, RunInputSchema, StartRunAckSchema } from './agents';
import { defineRequest } from './definitions';

/**
 * A turn of a chat session linked to an agent: the chat service asks the agents service to answer it as
 * a run of that agent (trigger `chat`), with the conversation so far as the run's history, and relays the
 * run's stream (`AgentsContract.runStream`, under the request's `streamId`) into its own answer.
 */

/** Most history messages one turn hands over; chat sends the newest that fit its history budget. */
export const MAX_CHAT_TURN_HISTORY_MESSAGES = 1_000;
/** Most characters of history one turn hands over, so the request fits a bus message. */
export const MAX_CHAT_TURN_HISTORY_CHARS = 400_000;

export const ChatTurnHistoryMessageSchema = z.strictObject({
  role: z.enum(['user', 'assistant']),
  text: z.string(),
});
export type ChatTurnHistoryMessage = z.infer<typeof ChatTurnHistoryMessageSchema>;

export const StartChatTurnRequestSchema = z.strictObject({
  /** Becomes the run's id. */
  streamId: z.uuid(),
  agentId: z.uuid(),
  /** The session's branch before the new message, oldest first. */
  history: z
    .array(ChatTurnHistoryMessageSchema)
    .max(MAX_CHAT_TURN_HISTORY_MESSAGES)
    .refine((messages) => messages.reduce((n, m) => n + m.text.length, 0) <= MAX_CHAT_TURN_HISTORY_CHARS, {
      message: `must hold at most ${MAX_CHAT_TURN_HISTORY_CHARS} characters`,
    }),
  /** The user's message this turn answers. */
  input: RunInputSchema,
});
export type StartChatTurnRequest = z.infer<typeof StartChatTurnRequestSchema>;

export const AgentsChatContract = {
  /** NOT_FOUND when the agent is not the caller's (or no longer exists). */
  startTurn: defineRequest({
    subject: 'agents.chat-turn.start',
    request: StartChatTurnRequestSchema,
    response: StartRunAckSchema,
    errors: RUN_START_ERRORS,
  }),
} as const;
