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
