export {
  startFakeOpenAI,
  type FakeOpenAIOptions,
  type FakeOpenAIServer,
  type OpenAIChatContentPart,
  type OpenAIChatRequestBody,
  type OpenAIChatRequestMessage,
} from './fake-openai.server';
export {
  startFakeAnthropic,
  type AnthropicContentBlockParam,
  type AnthropicMessageParam,
  type AnthropicMessagesRequestBody,
  type FakeAnthropicOptions,
  type FakeAnthropicServer,
} from './fake-anthropic.server';
export {
  fakeOpenAIEmbedding,
  OPENAI_EMBEDDING_LIMITS,
  type OpenAIEmbeddingsRequestBody,
} from './fake-openai-embeddings';
export { FAKE_OPENAI_PNG_BASE64, type OpenAIImagesRequestBody } from './fake-openai-images';
export {
  startFakeOpenAIBatches,
  type FakeOpenAIBatch,
  type FakeOpenAIBatchesServer,
} from './fake-openai-batches';
export {
  startFakeAnthropicBatches,
  type FakeAnthropicBatch,
  type FakeAnthropicBatchesServer,
} from './fake-anthropic-batches';
export type {
  FakeEndpointControl,
  FakeProviderDiagnostics,
  FakeProviderOptions,
  FakeProviderServer,
} from './fake-provider.server';
export {
  countWords,
  splitIntoTokens,
  type FakeAnswerBehavior,
  type FakeBehavior,
  type FakeBehaviorChooser,
  type FakeBehaviorKind,
  type FakeDropBehavior,
  type FakeHttpErrorBehavior,
  type FakeMalformedChunkBehavior,
  type FakeRecordedRequest,
  type FakeStallBehavior,
  type FakeStreamErrorBehavior,
  type FakeTokenSource,
  type FakeToolCall,
  type FakeUsageOverride,
} from './fake-provider.behavior';
export {
  startFakeDeepgram,
  type FakeDeepgramBehavior,
  type FakeDeepgramOptions,
  type FakeDeepgramServer,
  type FakeDeepgramStream,
} from './fake-deepgram.server';
export {
  startFakeGeminiLive,
  type FakeGeminiClientContent,
  type FakeGeminiLiveBehavior,
  type FakeGeminiLiveConnection,
  type FakeGeminiLiveOptions,
  type FakeGeminiLiveServer,
} from './fake-gemini-live.server';
export {
  startFakeOpenAIRealtime,
  type FakeOpenAIRealtimeBehavior,
  type FakeOpenAIRealtimeOptions,
  type FakeOpenAIRealtimeServer,
  type FakeRealtimeConnection,
  type FakeRealtimeFunctionCall,
  type FakeRealtimeMessageItem,
} from './fake-openai-realtime.server';
export {
  startFakeElevenLabs,
  type FakeElevenLabsBehavior,
  type FakeElevenLabsOptions,
  type FakeElevenLabsRequest,
  type FakeElevenLabsServer,
} from './fake-elevenlabs.server';
export {
  startFakeOpenAIAudio,
  type FakeOpenAIAudioBehavior,
  type FakeOpenAIAudioOptions,
  type FakeOpenAIAudioRequest,
  type FakeOpenAIAudioServer,
} from './fake-openai-audio.server';
export { startFakeHttpServer, type FakeHttpRequest, type FakeHttpServer } from './fake-http.server';
export {
  fakeOpenAIVideoContent,
  startFakeOpenAIVideos,
  type FakeOpenAIVideosOptions,
  type FakeOpenAIVideosServer,
  type FakeVideoScript,
} from './fake-openai-videos.server';
export { type ScriptedFault } from './scripted-faults';
export {
  startFakeStability,
  type FakeStabilityServer,
  type StabilityGenerateRequest,
} from './fake-stability.server';
export {
  geminiRateLimited,
  googleError,
  startFakeGeminiImages,
  type FakeGeminiImagesServer,
  type GeminiGenerateContentBody,
  type GeminiGenerateRequest,
} from './fake-gemini-images.server';
export { serveOnLoopback, type LoopbackHttpServer } from './loopback-http-server';
export {
  FakeOAuthAuthority,
  type FakeOAuthAuthorityOptions,
  type FakeOAuthUser,
} from './fake-oauth-authority';
export {
  startFakeGoogleCalendar,
  type FakeCalendarEvent,
  type FakeGoogleCalendarServer,
} from './fake-google-calendar.server';
export { startFakeGitHub, type FakeGitHubIssue, type FakeGitHubServer } from './fake-github.server';
export { startFakeTwilio, type FakeTwilioCall, type FakeTwilioServer } from './fake-twilio.server';
