import { ChatContract } from './chat';
import { defineService } from './definitions';
import { MemoryContract, SEARCH_MEMORY_CONSUMER, SEARCH_MEMORY_FORGET_CONSUMER } from './memory';
import { UsageContract } from './usage';
import { AgentsContract } from './agents';
import { AgentsChatContract } from './agents-chat';
import { AgentsMcpContract } from './agents-mcp';
import { AgentsSchedulesContract } from './agents-schedules';
import { AgentsConnectorsContract } from './agents-connectors';
import { AgentsToolsContract } from './agents-tools';
import { HEALTH_IMPORT_CONSUMER, HEALTH_UPLOADS_BUCKET, HealthDataContract } from './health-data';
import { VOICE_AUDIO_BUCKET, VoiceContract, VoiceSessionChannel } from './voice';
import { VoiceCallsContract } from './voice-calls';
import { MEDIA_DOWNLOADS_BUCKET, MEDIA_GEN_WORKER_CONSUMER, MediaGenContract } from './media-gen';
import {
  MEDIA_BATCH_FILES_BUCKET,
  MEDIA_GEN_BATCH_WORKER_CONSUMER,
  MediaBatchContract,
} from './media-batches';
import { MEDIA_UPLOADS_BUCKET, MediaStorageContract } from './media-storage';
import { SEARCH_INDEXER_CONSUMER, SEARCH_UPLOADS_BUCKET, SearchContract } from './search';

/** Every service on the bus and what it does there; deploy/nats/auth.conf is rendered from this list. */
export const SERVICES = [
  defineService({
    name: 'gateway',
    calls: [
      ChatContract,
      UsageContract.summarizeUsage,
      UsageContract.listBudgets,
      UsageContract.setBudget,
      UsageContract.deleteBudget,
      SearchContract,
      MemoryContract.recall,
      MemoryContract.list,
      MemoryContract.forget,
      VoiceContract.openSession,
      VoiceSessionChannel,
      VoiceContract.transcribe,
      VoiceContract.synthesize,
      VoiceContract.listVoices,
      VoiceContract.sendMessage,
      MediaGenContract,
      MediaStorageContract,
      HealthDataContract.getImport,
      HealthDataContract.watchImport,
      HealthDataContract.importStream,
      HealthDataContract.queryMetric,
      HealthDataContract.connectGarmin,
      HealthDataContract.getGarminConnection,
      HealthDataContract.disconnectGarmin,
      HealthDataContract.eraseData,
      MediaBatchContract,
      AgentsContract,
      AgentsSchedulesContract,
      AgentsConnectorsContract,
      AgentsMcpContract,
    ],
    // Every replica pushes new notifications to their owner's open `/ws` connections.
    listens: [AgentsSchedulesContract.notificationCreated],
    // Health uploads and webhooks are stored in their durable stream before the sender gets its 202.
    publishes: [HealthDataContract.importAccepted],
    // Batches and files too large for one bus message reach the search service through this bucket;
    // recordings and synthesised speech travel to and from the voice service through its own, and
    // generated files too large for one message come back from media-gen through the downloads bucket,
    // and files users keep go to media-gen through the media uploads bucket.
    objectStores: [
      SEARCH_UPLOADS_BUCKET,
      VOICE_AUDIO_BUCKET,
      MEDIA_DOWNLOADS_BUCKET,
      MEDIA_BATCH_FILES_BUCKET,
      MEDIA_UPLOADS_BUCKET,
      HEALTH_UPLOADS_BUCKET,
    ],
  }),
  defineService({
    name: 'chat',
    handles: [ChatContract],
    publishes: [ChatContract.messageCreated, ChatContract.sessionDeleted, UsageContract.usageRecorded],
    // Metering its completions (libs/metering): budgets and spend before a completion starts;
    // recalling memory for turns that use it; and, for sessions linked to an agent, checking the agent
    // is the user's and answering turns as runs of it (relaying the run's stream).
    calls: [
      UsageContract.budgetLimits,
      UsageContract.spent,
      MemoryContract.recall,
      AgentsContract.getAgent,
      AgentsChatContract.startTurn,
      AgentsContract.runStream,
    ],
    // Every replica drops its cached budgets when they change.
    listens: [UsageContract.budgetsChanged],
  }),
  defineService({
    name: 'usage',
    handles: [UsageContract],
    publishes: [UsageContract.budgetsChanged],
    // The ledger is written from the durable usage records.
    consumes: [{ event: UsageContract.usageRecorded, durable: 'usage-ledger' }],
  }),
  defineService({
    name: 'search',
    handles: [SearchContract, MemoryContract],
    publishes: [SearchContract.documentAccepted, UsageContract.usageRecorded],
    // Accepted documents are indexed from their durable stream, by one replica each; chat messages are
    // remembered from theirs.
    consumes: [
      { event: SearchContract.documentAccepted, durable: SEARCH_INDEXER_CONSUMER },
      { event: ChatContract.messageCreated, durable: SEARCH_MEMORY_CONSUMER },
      { event: ChatContract.sessionDeleted, durable: SEARCH_MEMORY_FORGET_CONSUMER },
    ],
    // Metering its paid embedding calls (libs/metering).
    calls: [UsageContract.budgetLimits, UsageContract.spent],
    listens: [UsageContract.budgetsChanged],
    objectStores: [SEARCH_UPLOADS_BUCKET],
  }),
  defineService({
    name: 'voice',
    // Live sessions: opened in the queue group, then pinned to the replica that accepted them.
    handles: [VoiceContract, VoiceSessionChannel, VoiceCallsContract],
    publishes: [UsageContract.usageRecorded],
    // Replies come from chat as a client would ask (the conversation is the user's chat session); audio
    // seconds and characters are metered (libs/metering). Voice messages are answered the same way.
    // Realtime models call the tools of the conversation's agent through the agents service.
    calls: [
      AgentsToolsContract.listTools,
      AgentsToolsContract.runToolCall,
      ChatContract.createSession,
      ChatContract.getSession,
      ChatContract.startCompletion,
      ChatContract.completionStream,
      ChatContract.truncateAnswer,
      UsageContract.budgetLimits,
      UsageContract.spent,
    ],
    listens: [UsageContract.budgetsChanged],
    // Recordings and synthesised speech of the request/response endpoints, to and from the gateway.
    objectStores: [VOICE_AUDIO_BUCKET],
  }),
  defineService({
    name: 'media-gen',
    // Generation jobs and batches, and the files users upload to keep (in the same storage).
    handles: [MediaGenContract, MediaBatchContract, MediaStorageContract],
    publishes: [
      MediaGenContract.jobAccepted,
      MediaGenContract.jobProgressed,
      MediaGenContract.jobCancelled,
      MediaBatchContract.batchAccepted,
      MediaBatchContract.batchCancelled,
      UsageContract.usageRecorded,
    ],
    // Accepted jobs and batches are run from their durable streams, by one replica each.
    consumes: [
      { event: MediaGenContract.jobAccepted, durable: MEDIA_GEN_WORKER_CONSUMER },
      { event: MediaBatchContract.batchAccepted, durable: MEDIA_GEN_BATCH_WORKER_CONSUMER },
    ],
    // Metering its generations (libs/metering); batch lines run as completions of the chat service.
    calls: [
      UsageContract.budgetLimits,
      UsageContract.spent,
      ChatContract.listModels,
      ChatContract.runCompletion,
      ChatContract.completionStream,
    ],
    // Every replica feeds the job streams it produces, stops the jobs and batches it runs when they are
    // cancelled, and drops its cached budgets when they change.
    listens: [
      MediaGenContract.jobProgressed,
      MediaGenContract.jobCancelled,
      MediaBatchContract.batchCancelled,
      UsageContract.budgetsChanged,
    ],
    objectStores: [MEDIA_DOWNLOADS_BUCKET, MEDIA_BATCH_FILES_BUCKET, MEDIA_UPLOADS_BUCKET],
  }),
  defineService({
    name: 'health-data',
    handles: [HealthDataContract],
    publishes: [HealthDataContract.importProgressed, HealthDataContract.dataIngested],
    // Accepted uploads and webhooks are ingested from their durable stream, by one replica each; every
    // replica feeds the import progress streams it produces.
    consumes: [{ event: HealthDataContract.importAccepted, durable: HEALTH_IMPORT_CONSUMER }],
    listens: [HealthDataContract.importProgressed],
    objectStores: [HEALTH_UPLOADS_BUCKET],
  }),
  defineService({
    name: 'agents',
    handles: [
      AgentsContract,
      AgentsChatContract,
      AgentsSchedulesContract,
      AgentsConnectorsContract,
      AgentsMcpContract,
      AgentsToolsContract,
    ],
    // The outcomes of scheduled runs, for their owners; the usage of runs' model and tool calls.
    publishes: [AgentsSchedulesContract.notificationCreated, UsageContract.usageRecorded],
    // Built-in tools: searching and keeping notes (search), images (media-gen, waiting on the job's
    // stream), the user's health data, phone calls (voice); metering every model and tool call of a run
    // (libs/metering).
    calls: [
      SearchContract.query,
      SearchContract.submitDocuments,
      SearchContract.createCollection,
      MediaGenContract.createImageJob,
      MediaGenContract.watchJob,
      MediaGenContract.jobStream,
      MediaGenContract.getJob,
      HealthDataContract.getOverview,
      HealthDataContract.queryMetric,
      VoiceCallsContract.placeCall,
      UsageContract.budgetLimits,
      UsageContract.spent,
    ],
    // Every replica drops its cached budgets when they change.
    listens: [UsageContract.budgetsChanged],
  }),
] as const;

/** The environment variable holding a service's NATS password (`NATS_MEDIA_GEN_PASSWORD` for media-gen). */
export const natsPasswordVariable = (serviceName: string): string =>
  `NATS_${serviceName.toUpperCase().replace(/-/g, '_')}_PASSWORD`;
