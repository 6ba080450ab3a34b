import { z } from 'zod';
import {
  defineEvent,
  defineRequest,
  defineStream,
  isTextDeltaEvent,
  SeqSchema,
  streamErrorEvent,
} from './definitions';
import { ErrorCode } from './errors';
import { AgentStepEventSchemas } from './agent-steps';
import { MemorySettingsSchema, MemoryUseSchema } from './memory';

/** `provider/model`, e.g. `openai/gpt-4o-mini`; the model part may itself hold slashes (`vllm/meta-llama/x`). */
export const ModelIdSchema = z
  .string()
  .max(200)
  .regex(/^[a-z0-9][a-z0-9_-]*\/\S+$/, 'must look like provider/model, e.g. openai/gpt-4o-mini');
export type ModelId = z.infer<typeof ModelIdSchema>;

const IdSchema = z.uuid();
const IsoDate = z.iso.datetime();

export const ModelCapabilitySchema = z.enum(['streaming', 'tools', 'vision', 'json', 'offline']);
export type ModelCapability = z.infer<typeof ModelCapabilitySchema>;

export const ModelInfoSchema = z.object({
  id: ModelIdSchema,
  provider: z.string(),
  name: z.string(),
  contextWindow: z.number().int().positive(),
  maxOutputTokens: z.number().int().positive(),
  pricing: z.object({
    inputPerMTokUsd: z.number().nonnegative(),
    outputPerMTokUsd: z.number().nonnegative(),
    cachedInputPerMTokUsd: z.number().nonnegative(),
  }),
  capabilities: z.array(ModelCapabilitySchema),
  /** false when its provider has no credentials configured in this deployment. */
  available: z.boolean(),
});
export type ModelInfo = z.infer<typeof ModelInfoSchema>;

export const ChatRoleSchema = z.enum(['system', 'user', 'assistant']);
export type ChatRole = z.infer<typeof ChatRoleSchema>;

export const MessageStatusSchema = z.enum(['complete', 'streaming', 'interrupted', 'cancelled', 'failed']);
export type MessageStatus = z.infer<typeof MessageStatusSchema>;

export const TokenUsageSchema = z.object({
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  cachedTokens: z.number().int().nonnegative(),
  /** true when the provider reported no usage and the counts are our estimate. */
  estimated: z.boolean(),
});
export type TokenUsage = z.infer<typeof TokenUsageSchema>;

/** What of a session's history an answer was given: the oldest turns are left out when it outgrows the window. */
export const PromptContextSchema = z.object({
  /** History messages sent to the model, the newest of them last (a system prompt is not counted). */
  includedMessages: z.number().int().nonnegative(),
  /** The oldest history messages left out so that the prompt and the answer fit the model's window. */
  omittedMessages: z.number().int().nonnegative(),
  /** The prompt's size as counted before sending it (o200k tokens, message framing included). */
  promptTokens: z.number().int().nonnegative(),
  /** For a turn that drew on memory: what was recalled into the prompt, or why nothing was. */
  memory: MemoryUseSchema.optional(),
});
export type PromptContext = z.infer<typeof PromptContextSchema>;

export const ChatMessageSchema = z.object({
  id: IdSchema,
  sessionId: IdSchema,
  /** The message this one follows; messages form a tree, so edits and regenerations keep their siblings. */
  parentId: IdSchema.nullable(),
  role: ChatRoleSchema,
  content: z.string(),
  status: MessageStatusSchema,
  model: z.string().nullable(),
  usage: TokenUsageSchema.nullable(),
  costUsd: z.number().nonnegative().nullable(),
  errorCode: z.string().nullable(),
  /** For an answer: what of the history its model was given; null for other messages. */
  promptContext: PromptContextSchema.nullable(),
  createdAt: IsoDate,
});
export type ChatMessage = z.infer<typeof ChatMessageSchema>;

export const ChatSessionSchema = z.object({
  id: IdSchema,
  title: z.string(),
  model: ModelIdSchema,
  systemPrompt: z.string().nullable(),
  /** Whether turns recall past conversations and named collections (off unless set). */
  memory: MemorySettingsSchema,
  /**
   * The agent (of the same user) that answers this session's messages with its instructions, model,
   * tools and limits; null for plain chat.
   */
  agentId: IdSchema.nullable(),
  createdAt: IsoDate,
  updatedAt: IsoDate,
});
export type ChatSession = z.infer<typeof ChatSessionSchema>;

/** Messages per page unless the caller asks for fewer (or their size stops the page earlier). */
export const DEFAULT_MESSAGE_PAGE_SIZE = 50;
export const MAX_MESSAGE_PAGE_SIZE = 100;
/**
 * A page of messages stops before its encoded messages pass this many bytes (it always holds at least
 * one), so any page fits a bus message whatever the messages' lengths.
 */
export const MAX_MESSAGE_PAGE_BYTES = 512 * 1024;

const MessageCursorSchema = z.string().min(1).max(200);

export const ChatSessionWithMessagesSchema = ChatSessionSchema.extend({
  /**
   * The session's newest messages (every branch), oldest first: one page. Older ones come from
   * `chat.message.list` with `olderMessagesCursor`.
   */
  messages: z.array(ChatMessageSchema),
  /** Where the next older page starts; null when `messages` reaches back to the first message. */
  olderMessagesCursor: z.string().nullable(),
  /** The newest message of the branch being continued; null for an empty session. */
  activeLeafId: IdSchema.nullable(),
});
export type ChatSessionWithMessages = z.infer<typeof ChatSessionWithMessagesSchema>;

export const ListMessagesQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_MESSAGE_PAGE_SIZE).default(DEFAULT_MESSAGE_PAGE_SIZE),
  /** `olderMessagesCursor` of a session, or `nextCursor` of a page; none for the newest page. */
  cursor: MessageCursorSchema.optional(),
});
export const ListMessagesRequestSchema = ListMessagesQuerySchema.extend({ sessionId: IdSchema });
export type ListMessagesRequest = z.infer<typeof ListMessagesRequestSchema>;
export const MessagePageSchema = z.object({
  /** Oldest first, every branch; each page is older than the one before. */
  items: z.array(ChatMessageSchema),
  /** Where the next older page starts; null at the session's first message. */
  nextCursor: z.string().nullable(),
});
export type MessagePage = z.infer<typeof MessagePageSchema>;

export const MAX_MESSAGE_CHARS = 100_000;
export const MAX_SYSTEM_PROMPT_CHARS = 20_000;
export const MAX_TITLE_CHARS = 200;

const TitleSchema = z.string().trim().min(1).max(MAX_TITLE_CHARS);
const ContentSchema = z.string().trim().min(1, 'must not be empty').max(MAX_MESSAGE_CHARS);

export const CreateSessionRequestSchema = z.strictObject({
  title: TitleSchema.optional(),
  model: ModelIdSchema.optional(),
  systemPrompt: z.string().max(MAX_SYSTEM_PROMPT_CHARS).optional(),
  memory: MemorySettingsSchema.optional(),
  /** One of the caller's agents, to answer the session's messages (see ChatSession.agentId). */
  agentId: IdSchema.optional(),
});
export type CreateSessionRequest = z.infer<typeof CreateSessionRequestSchema>;

export const ListSessionsRequestSchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(200).optional(),
});
export const SessionPageSchema = z.object({
  items: z.array(ChatSessionSchema),
  nextCursor: z.string().nullable(),
});
export type SessionPage = z.infer<typeof SessionPageSchema>;

export const SessionRefSchema = z.strictObject({ sessionId: IdSchema });
export const UpdateSessionRequestSchema = z
  .strictObject({
    title: TitleSchema.optional(),
    /** Switch to another branch: the message new turns continue from. */
    activeLeafId: IdSchema.optional(),
    memory: MemorySettingsSchema.optional(),
    /** Link the session to one of the caller's agents, or unlink it with null. */
    agentId: IdSchema.nullable().optional(),
  })
  .refine(
    (update) =>
      update.title !== undefined ||
      update.activeLeafId !== undefined ||
      update.memory !== undefined ||
      update.agentId !== undefined,
    { message: 'give at least one of title, activeLeafId, memory and agentId' },
  );
export type UpdateSessionRequest = z.infer<typeof UpdateSessionRequestSchema>;
export const SendMessageBodySchema = z.strictObject({
  content: ContentSchema,
  model: ModelIdSchema.optional(),
  /** This turn only: overrides the session's memory settings. */
  memory: MemorySettingsSchema.optional(),
  stream: z.boolean().default(true),
});
export type SendMessageBody = z.infer<typeof SendMessageBodySchema>;

export const StartCompletionRequestSchema = z.strictObject({
  streamId: IdSchema,
  sessionId: IdSchema,
  content: ContentSchema,
  model: ModelIdSchema.optional(),
  memory: MemorySettingsSchema.optional(),
});
/** Answer the last user message again; the new answer is a sibling of the old one. */
export const RegenerateRequestSchema = z.strictObject({
  streamId: IdSchema,
  sessionId: IdSchema,
  model: ModelIdSchema.optional(),
  memory: MemorySettingsSchema.optional(),
});
export const RegenerateBodySchema = RegenerateRequestSchema.omit({ streamId: true, sessionId: true }).extend({
  stream: z.boolean().default(true),
});

/** Replace a past user message with new content and continue from there, as a new branch. */
export const EditMessageRequestSchema = z.strictObject({
  streamId: IdSchema,
  sessionId: IdSchema,
  messageId: IdSchema,
  content: ContentSchema,
  model: ModelIdSchema.optional(),
  memory: MemorySettingsSchema.optional(),
});
export const EditMessageBodySchema = EditMessageRequestSchema.omit({
  streamId: true,
  sessionId: true,
  messageId: true,
}).extend({ stream: z.boolean().default(true) });

export const StartCompletionAckSchema = z.object({
  streamId: IdSchema,
  sessionId: IdSchema,
  userMessageId: IdSchema,
  assistantMessageId: IdSchema,
  model: ModelIdSchema,
});

/** A stateless completion over caller-given messages (the OpenAI-compatible surface). */
export const CompletionMessageSchema = z.strictObject({
  role: ChatRoleSchema,
  content: z.string().max(MAX_MESSAGE_CHARS),
});
export type CompletionMessage = z.infer<typeof CompletionMessageSchema>;

export const GenerationParamsSchema = z.strictObject({
  maxTokens: z.number().int().positive().max(1_000_000).optional(),
  temperature: z.number().min(0).max(2).optional(),
  topP: z.number().min(0).max(1).optional(),
  stop: z.array(z.string().max(200)).max(4).optional(),
});
export type GenerationParams = z.infer<typeof GenerationParamsSchema>;

export const RunCompletionRequestSchema = z.strictObject({
  streamId: IdSchema,
  model: ModelIdSchema,
  messages: z.array(CompletionMessageSchema).min(1).max(1000),
  params: GenerationParamsSchema.default({}),
});
export const RunCompletionAckSchema = z.object({ streamId: IdSchema, model: ModelIdSchema });

export const FinishReasonSchema = z.enum(['stop', 'length', 'content_filter', 'cancelled']);
export type FinishReason = z.infer<typeof FinishReasonSchema>;

/** For an answer given by the session's agent: the run that gave it (read it whole from the agents API). */
export const AgentRunRefSchema = z.object({
  agentId: IdSchema,
  runId: IdSchema,
  /** The run's stop reason, as the agents API says it (`completed`, `max_steps`, ...). */
  stopReason: z.string(),
  steps: z.number().int().nonnegative(),
  toolCalls: z.number().int().nonnegative(),
});
export type AgentRunRef = z.infer<typeof AgentRunRefSchema>;

/**
 * A chat answer, live: `delta`s, `usage`, then one `done` or `error`. An answer of a session linked to an
 * agent also carries the agent's steps (`step.started`, `tool.call`, `tool.result`, `step.finished`, as
 * on an agent run's stream) between its deltas; clients that do not know them can skip them.
 */
export const ChatStreamEventSchema = z.discriminatedUnion('type', [
  z.object({ seq: SeqSchema, type: z.literal('delta'), text: z.string() }),
  z.object({ seq: SeqSchema, type: z.literal('usage'), usage: TokenUsageSchema }),
  ...AgentStepEventSchemas,
  z.object({
    seq: SeqSchema,
    type: z.literal('done'),
    model: ModelIdSchema,
    finishReason: FinishReasonSchema,
    usage: TokenUsageSchema,
    costUsd: z.number().nonnegative(),
    messageId: IdSchema.nullable(),
    /** What of the history the model was given (session answers). */
    promptContext: PromptContextSchema.optional(),
    /** The agent run that gave the answer, in a session linked to an agent. */
    agentRun: AgentRunRefSchema.optional(),
  }),
  streamErrorEvent,
]);
export type ChatStreamEvent = z.infer<typeof ChatStreamEventSchema>;

export const MessageCreatedEventSchema = z.object({
  messageId: IdSchema,
  sessionId: IdSchema,
  parentId: IdSchema.nullable(),
  userId: z.string(),
  role: ChatRoleSchema,
  content: z.string(),
  status: MessageStatusSchema,
  model: z.string().nullable(),
  createdAt: IsoDate,
});
export type MessageCreatedEvent = z.infer<typeof MessageCreatedEventSchema>;

/** A session and its messages are gone: whatever was derived from them (memory) goes too. */
export const SessionDeletedEventSchema = z.object({
  sessionId: IdSchema,
  userId: z.string(),
  deletedAt: IsoDate,
});
export type SessionDeletedEvent = z.infer<typeof SessionDeletedEventSchema>;

/**
 * Cut a finished answer back to the part its user actually received (a spoken reply interrupted by the
 * user): the stored text becomes the longest common prefix of the answer and `keepText`, and its status
 * `cancelled`. CONFLICT while the answer is still being generated (cancel its stream and wait for its end).
 */
export const TruncateAnswerRequestSchema = z.strictObject({
  sessionId: IdSchema,
  messageId: IdSchema,
  keepText: z.string().max(MAX_MESSAGE_CHARS),
});
export type TruncateAnswerRequest = z.infer<typeof TruncateAnswerRequestSchema>;

/**
 * A turn answered outside chat (a realtime voice model heard the user and spoke the answer): both
 * messages are stored at the end of the session's active branch, as a turn chat answered would be.
 * `status` is `cancelled` for an answer cut by the user speaking over it (`assistant` is then what was
 * played). The usage and cost are the answering model's, already metered by whoever called it.
 */
export const RecordExchangeRequestSchema = z.strictObject({
  sessionId: IdSchema,
  user: z.string().max(MAX_MESSAGE_CHARS),
  assistant: z.string().max(MAX_MESSAGE_CHARS),
  status: z.enum(['complete', 'cancelled', 'failed']),
  /** The model that answered (`openai/gpt-realtime`). */
  model: ModelIdSchema,
  usage: TokenUsageSchema.nullable().default(null),
  costUsd: z.number().nonnegative().nullable().default(null),
});
export type RecordExchangeRequest = z.infer<typeof RecordExchangeRequestSchema>;
export const RecordExchangeResponseSchema = z.object({
  userMessageId: IdSchema,
  assistantMessageId: IdSchema,
});

const sessionErrors = [ErrorCode.NotFound] as const;
const turnErrors = [
  ErrorCode.NotFound,
  ErrorCode.UnknownModel,
  ErrorCode.ModelUnavailable,
  ErrorCode.Conflict,
  ErrorCode.BudgetExceeded,
] as const;

export const ChatContract = {
  createSession: defineRequest({
    subject: 'chat.session.create',
    request: CreateSessionRequestSchema,
    response: ChatSessionSchema,
    errors: [ErrorCode.UnknownModel],
  }),
  listSessions: defineRequest({
    subject: 'chat.session.list',
    request: ListSessionsRequestSchema,
    response: SessionPageSchema,
  }),
  getSession: defineRequest({
    subject: 'chat.session.get',
    request: SessionRefSchema,
    response: ChatSessionWithMessagesSchema,
    errors: sessionErrors,
  }),
  listMessages: defineRequest({
    subject: 'chat.message.list',
    request: ListMessagesRequestSchema,
    response: MessagePageSchema,
    errors: sessionErrors,
  }),
  updateSession: defineRequest({
    subject: 'chat.session.update',
    request: z.strictObject({ sessionId: IdSchema, update: UpdateSessionRequestSchema }),
    response: ChatSessionSchema,
    errors: sessionErrors,
  }),
  truncateAnswer: defineRequest({
    subject: 'chat.message.truncate',
    request: TruncateAnswerRequestSchema,
    response: ChatMessageSchema,
    errors: [ErrorCode.NotFound, ErrorCode.Conflict],
  }),
  recordExchange: defineRequest({
    subject: 'chat.message.record',
    request: RecordExchangeRequestSchema,
    response: RecordExchangeResponseSchema,
    errors: sessionErrors,
  }),
  deleteSession: defineRequest({
    subject: 'chat.session.delete',
    request: SessionRefSchema,
    response: z.object({ deleted: z.literal(true) }),
    errors: sessionErrors,
  }),
  startCompletion: defineRequest({
    subject: 'chat.completion.start',
    request: StartCompletionRequestSchema,
    response: StartCompletionAckSchema,
    errors: turnErrors,
  }),
  regenerate: defineRequest({
    subject: 'chat.completion.regenerate',
    request: RegenerateRequestSchema,
    response: StartCompletionAckSchema,
    errors: turnErrors,
  }),
  editMessage: defineRequest({
    subject: 'chat.completion.edit',
    request: EditMessageRequestSchema,
    response: StartCompletionAckSchema,
    errors: turnErrors,
  }),
  runCompletion: defineRequest({
    subject: 'chat.completion.run',
    request: RunCompletionRequestSchema,
    response: RunCompletionAckSchema,
    errors: [ErrorCode.UnknownModel, ErrorCode.ModelUnavailable, ErrorCode.BudgetExceeded],
  }),
  listModels: defineRequest({
    subject: 'chat.model.list',
    request: z.strictObject({}),
    response: z.object({ models: z.array(ModelInfoSchema) }),
  }),
  completionStream: defineStream({
    name: 'chat.completion',
    event: ChatStreamEventSchema,
    retention: { stream: 'CHAT_COMPLETIONS' },
    isFrequentEvent: isTextDeltaEvent,
    outputTokensOf: (event) =>
      event.type === 'done' && event.usage.outputTokens > 0
        ? { count: event.usage.outputTokens, model: event.model }
        : null,
  }),
  messageCreated: defineEvent({
    subject: 'chat.message.created',
    payload: MessageCreatedEventSchema,
    durable: { stream: 'CHAT_EVENTS' },
  }),
  sessionDeleted: defineEvent({
    subject: 'chat.session.deleted',
    payload: SessionDeletedEventSchema,
    durable: { stream: 'CHAT_EVENTS' },
  }),
} as const;

/** The JSON answer to a session message sent with `stream: false`. */
export const SendMessageResponseSchema = z.object({
  streamId: IdSchema,
  sessionId: IdSchema,
  userMessageId: IdSchema,
  assistantMessageId: IdSchema,
  model: ModelIdSchema,
  content: z.string(),
  finishReason: FinishReasonSchema,
  usage: TokenUsageSchema,
  costUsd: z.number().nonnegative(),
  promptContext: PromptContextSchema.optional(),
  /** The agent run that gave the answer, in a session linked to an agent. */
  agentRun: AgentRunRefSchema.optional(),
});
export type SendMessageResponse = z.infer<typeof SendMessageResponseSchema>;
