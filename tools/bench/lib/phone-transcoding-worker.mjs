// One core's share of the phone calls (lib/phone-transcoding.mjs): transcodes its calls at real-time pace
// from the shared start and posts the measurements back.
import { parentPort, workerData } from 'node:worker_threads';
import { loadTranscoders, runPacedCalls } from './phone-transcoding.mjs';

const { calls, ticks, replyRate, callerMulaw, replyFrames } = workerData;
/** Tells the main thread this one is ready, and waits for the common start time. */
const startSignal = () =>
  new Promise((resolve) => {
    parentPort.once('message', ({ startAt }) => resolve(startAt));
    parentPort.postMessage('ready');
  });
const result = await runPacedCalls({
  transcoders: loadTranscoders(),
  calls,
  ticks,
  replyRate,
  startSignal,
  callerMulaw: callerMulaw.map((frame) => Buffer.from(frame)),
  replyFrames: replyFrames.map((frame) => Buffer.from(frame)),
});
parentPort.postMessage(result);
