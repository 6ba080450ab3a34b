import {
  DomainError,
  ErrorCode,
  isDomainError,
  parsedToolArguments,
  type AgentLimits,
  type ErrorBody,
  type RunStopReason,
  type RunUsage,
  type TranscriptMessage,
  type TranscriptToolCall,
  type TranscriptToolResult,
  type UnsequencedEventOf,
  type AgentsContract,
} from '@conduit/contracts';
import type { MeteredCaller } from '@conduit/metering';
import type { ModelUsage, StepFinishReason } from '../models/agent-model.port';
import type { ResolvedAgentModel } from '../models/agent-models';
import type { RunTools } from '../tools/tool-registry';
import type { RunEnd, RunProgress } from './run.repository';
import type { RunMetering } from './run-metering';
import { executeToolCall } from './tool-executor';

export type RunEvent = UnsequencedEventOf<typeof AgentsContract.runStream>;

export interface RunLoopInput {
  runId: string;
  agentId: string;
  caller: MeteredCaller;
  model: ResolvedAgentModel;
  system: string;
  /** The transcript so far, ending with the user's new input. */
  transcript: TranscriptMessage[];
  tools: RunTools;
  limits: AgentLimits;
  toolTimeoutMs: number;
  /** Aborted when the run is cancelled (its owner, or the service shutting down). */
  cancel: AbortSignal;
  metering: RunMetering;
  emit(event: RunEvent): void;
  /** Called after each step with tool calls, to keep the transcript stored as it grows (may store it later). */
  saveProgress(progress: RunProgress): Promise<void>;
  /** A failure that is no domain error (a bug): logged by the caller, reported to the client as INTERNAL. */
  onUnexpectedError(error: unknown): void;
}

class WallTimeReached extends Error {}

/**
 * The tool loop: call the model with the transcript and the tools; stream its text; if it asks for
 * tools, run them all at once, append the calls and their results, and call it again; until it answers
 * without tools or a limit ends the run. Returns how the run ended, for the caller to store before it
 * sends the terminal event (`done` or `error`); never throws.
 */
export async function runAgentLoop(input: RunLoopInput): Promise<RunEnd> {
  const { limits, emit, transcript } = input;
  const started = performance.now();
  const wall = new AbortController();
  const wallTimer = setTimeout(() => wall.abort(new WallTimeReached()), limits.wallTimeMs);
  const signal = AbortSignal.any([input.cancel, wall.signal]);
  const state = {
    steps: 0,
    toolCalls: 0,
    answer: '',
    usage: { inputTokens: 0, outputTokens: 0, cachedTokens: 0, estimated: false } as RunUsage,
    costUsd: 0,
    modelMs: 0,
    toolsMs: 0,
  };
  const progress = (): RunProgress => ({
    transcript,
    answer: state.answer,
    steps: state.steps,
    toolCalls: state.toolCalls,
    usage: { ...state.usage },
    costUsd: Number(state.costUsd.toFixed(8)),
    timings: {
      totalMs: round(performance.now() - started),
      modelMs: round(state.modelMs),
      toolsMs: round(state.toolsMs),
    },
  });
  const stop = (stopReason: Exclude<RunStopReason, 'failed'>): RunEnd => {
    const end: RunEnd = {
      ...progress(),
      status: stopReason === 'completed' ? 'succeeded' : stopReason === 'cancelled' ? 'cancelled' : 'limited',
      stopReason,
      error: null,
    };
    return end;
  };
  const stoppedBySignal = () => (input.cancel.aborted ? stop('cancelled') : stop('wall_time'));
  const tokensUsed = () => state.usage.inputTokens + state.usage.outputTokens;

  try {
    emit({ type: 'run.started', runId: input.runId, agentId: input.agentId, model: input.model.id });
    for (;;) {
      if (signal.aborted) return stoppedBySignal();
      if (state.steps >= limits.maxSteps) return stop('max_steps');
      if (tokensUsed() >= limits.maxTokens) return stop('max_tokens');
      const step = ++state.steps;
      emit({ type: 'step.started', step });

      const call = await modelStep(input, signal, limits.maxTokens - tokensUsed());
      state.modelMs += call.durationMs;
      state.usage = addUsage(state.usage, call.usage, call.estimated);
      state.costUsd += call.costUsd;
      state.answer = call.text;
      const calls = call.aborted ? [] : call.toolCalls;
      transcript.push({ role: 'assistant', text: call.text, toolCalls: calls });
      if (call.aborted) return stoppedBySignal();
      if (call.error) throw call.error;

      const stepUsage = toRunUsage(call.usage, call.estimated);
      if (calls.length === 0) {
        emit({ type: 'step.finished', step, finishReason: call.finish, usage: stepUsage });
        return stop('completed');
      }
      for (const toolCall of calls) {
        emit({
          type: 'tool.call',
          step,
          callId: toolCall.id,
          name: toolCall.name,
          arguments: parsedToolArguments(toolCall.arguments),
        });
      }
      const overLimit = state.toolCalls + calls.length > limits.maxToolCalls;
      const toolsStarted = performance.now();
      const results = overLimit
        ? calls.map((c) => refused(c, `The run's limit of ${limits.maxToolCalls} tool calls was reached`))
        : await Promise.all(calls.map((c) => runTool(input, c, step, signal)));
      state.toolsMs += performance.now() - toolsStarted;
      if (!overLimit) state.toolCalls += calls.length;
      if (overLimit) for (const result of results) emitResult(emit, step, result);
      transcript.push({ role: 'tool', results });
      emit({ type: 'step.finished', step, finishReason: 'tool_calls', usage: stepUsage });
      if (overLimit) return stop('max_tool_calls');
      if (signal.aborted) return stoppedBySignal();
      await input.saveProgress(progress());
    }
  } catch (error) {
    if (!isDomainError(error)) input.onUnexpectedError(error);
    const body = errorBodyOf(error);
    return { ...progress(), status: 'failed', stopReason: 'failed', error: body };
  } finally {
    clearTimeout(wallTimer);
  }
}

interface ModelStepResult {
  text: string;
  toolCalls: TranscriptToolCall[];
  finish: StepFinishReason;
  usage: ModelUsage;
  estimated: boolean;
  costUsd: number;
  durationMs: number;
  aborted: boolean;
  error: unknown;
}

async function modelStep(
  input: RunLoopInput,
  signal: AbortSignal,
  tokensLeft: number,
): Promise<ModelStepResult> {
  const { model, transcript } = input;
  const maxOutputTokens = Math.max(1, Math.min(model.maxOutputTokens, tokensLeft));
  const promptChars = input.system.length + JSON.stringify(transcript).length;
  const estimatedInput = Math.ceil(promptChars / 4);
  const metered = await input.metering.admitModelCall(input.caller, input.runId, model, {
    inputTokens: estimatedInput,
    outputTokens: maxOutputTokens,
  });
  const result: ModelStepResult = {
    text: '',
    toolCalls: [],
    finish: 'stop',
    usage: { inputTokens: 0, outputTokens: 0, cachedTokens: 0 },
    estimated: false,
    costUsd: 0,
    durationMs: 0,
    aborted: false,
    error: null,
  };
  const started = performance.now();
  let reported: ModelUsage | null = null;
  try {
    for await (const event of model.adapter.turn({
      model: model.providerModel,
      system: input.system,
      transcript,
      tools: input.tools.specs,
      maxOutputTokens,
      signal,
    })) {
      switch (event.type) {
        case 'text':
          result.text += event.text;
          input.emit({ type: 'delta', text: event.text });
          break;
        case 'tool_call':
          result.toolCalls.push(event.call);
          break;
        case 'finish':
          result.finish = event.reason;
          reported = event.usage;
          break;
      }
    }
  } catch (error) {
    if (signal.aborted) result.aborted = true;
    else result.error = error;
  }
  result.durationMs = performance.now() - started;
  if (reported) result.usage = reported;
  else {
    // No usage from the provider (a failed or cut call): our estimate, marked so.
    result.estimated = true;
    result.usage = {
      inputTokens: estimatedInput,
      outputTokens: Math.ceil(result.text.length / 4),
      cachedTokens: 0,
    };
  }
  const status = result.aborted ? 'cancelled' : result.error ? 'failed' : 'complete';
  result.costUsd = metered.record(status, result.usage, result.estimated);
  return result;
}

async function runTool(
  input: RunLoopInput,
  call: TranscriptToolCall,
  step: number,
  signal: AbortSignal,
): Promise<TranscriptToolResult> {
  const result = await executeToolCall(call, input.tools.byName, {
    userId: input.caller.userId,
    agentId: input.agentId,
    runId: input.runId,
    signal,
    timeoutMs: input.toolTimeoutMs,
  });
  emitResult(input.emit, step, result);
  input.metering.recordToolCall(input.caller, input.runId, call.name, result.ok);
  return result;
}

function emitResult(emit: RunLoopInput['emit'], step: number, result: TranscriptToolResult): void {
  emit({
    type: 'tool.result',
    step,
    callId: result.callId,
    name: result.name,
    ok: result.ok,
    ...(result.ok ? { output: result.output } : { error: result.error }),
    durationMs: result.durationMs,
  });
}

function refused(call: TranscriptToolCall, message: string): TranscriptToolResult {
  return {
    callId: call.id,
    name: call.name,
    ok: false,
    error: { code: 'limit_reached', message },
    durationMs: 0,
  };
}

function addUsage(total: RunUsage, usage: ModelUsage, estimated: boolean): RunUsage {
  return {
    inputTokens: total.inputTokens + usage.inputTokens,
    outputTokens: total.outputTokens + usage.outputTokens,
    cachedTokens: total.cachedTokens + usage.cachedTokens,
    estimated: total.estimated || estimated,
  };
}

function toRunUsage(usage: ModelUsage, estimated: boolean): RunUsage {
  return { ...usage, estimated };
}

function errorBodyOf(error: unknown): ErrorBody {
  if (isDomainError(error)) return error.toBody();
  return new DomainError(ErrorCode.Internal, 'The run failed inside the agents service').toBody();
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;
