/**
 * The agents service's own time per step of one run: the run's time as its client saw it (start request
 * sent to the last event received) less the time the model and the tools took (as the run stored them),
 * shared over its steps. What is left is the orchestration: bus round trips, stream events, storing the
 * run and its progress, metering, checking the tools' arguments.
 */
export function overheadPerStep({ clientMs, modelMs, toolsMs, steps }) {
  if (!(steps > 0)) throw new Error(`a run without steps has no overhead per step (steps: ${steps})`);
  return Math.max(0, clientMs - modelMs - toolsMs) / steps;
}

/**
 * The same on a model that takes a fixed `latencyMs` per step: the client's time less the tools' time and
 * the model's fixed latency per step, over the steps. The model adapter and its HTTP exchange count as
 * overhead: only the wait the fake model was told to make is taken out.
 */
export function overheadPerStepOverLatency({ clientMs, toolsMs, steps }, latencyMs) {
  if (!(steps > 0)) throw new Error(`a run without steps has no overhead per step (steps: ${steps})`);
  return Math.max(0, clientMs - toolsMs - steps * latencyMs) / steps;
}
