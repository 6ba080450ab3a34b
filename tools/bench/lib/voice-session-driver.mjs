// One simulated caller of /ws/voice: a microphone that streams 20 ms PCM frames at real-time pace
// (silence, and the utterance whenever the script speaks), and a listener that timestamps every event
// and reply frame on arrival. Times are performance.now() of the load generator.
import { performance } from 'node:perf_hooks';
import { HarnessError } from './platform.mjs';
import { platformOverheadMs, confirmingFrameIndex, SampleOrderCheck } from './voice-audio.mjs';

export const FRAME_MS = 20;

/**
 * Microphones of every session, fed by one timer: each sends the frames its wall clock has reached
 * (frame k is due at start + k × 20 ms), so a late tick catches up instead of drifting.
 */
export class MicrophoneClock {
  #mics = new Set();
  #timer = null;
  /** How late frames went out after their due time, in ms (the load generator's own lag). */
  lateness = [];

  add(mic) {
    this.#mics.add(mic);
    this.#timer ??= setInterval(() => this.#tick(), 2);
  }

  remove(mic) {
    this.#mics.delete(mic);
    if (this.#mics.size === 0 && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
  }

  #tick() {
    const now = performance.now();
    for (const mic of this.#mics) mic.sendDue(now, this.lateness);
  }
}

class Microphone {
  /** When each frame went out, by index (its audio covers [index × 20, index × 20 + 20) ms). */
  sentAt = [];
  #queue = [];
  #startedAt = 0;
  #waiters = [];

  constructor(send, silenceFrame) {
    this.send = send;
    this.silenceFrame = silenceFrame;
  }

  start(now) {
    this.#startedAt = now;
  }

  /** Speaks `frames` next; resolves with the index of its last frame once that one went out. */
  speak(frames) {
    const lastIndex = this.sentAt.length + this.#queue.length + frames.length - 1;
    this.#queue.push(...frames);
    return new Promise((resolve) => this.#waiters.push({ lastIndex, resolve }));
  }

  sendDue(now, lateness) {
    const due = Math.floor((now - this.#startedAt) / FRAME_MS) + 1;
    while (this.sentAt.length < due) {
      const index = this.sentAt.length;
      const frame = this.#queue.shift() ?? this.silenceFrame;
      if (!this.send(frame)) return;
      const at = performance.now();
      this.sentAt.push(at);
      if (lateness.length < 200_000) lateness.push(at - (this.#startedAt + index * FRAME_MS));
      while (this.#waiters.length > 0 && this.#waiters[0].lastIndex <= index)
        this.#waiters.shift().resolve(index);
    }
  }
}

/** What a turn (the server's `turn-N`) brought, stamped as it arrived. */
function newTurn(id) {
  return {
    id,
    speechStartedMs: null,
    speechStoppedMs: null,
    audioStartedAt: null,
    firstAudioAt: null,
    lastAudioAt: null,
    audioFrames: 0,
    doneAt: null,
    cancelledAt: null,
    metrics: null,
  };
}

/**
 * A session: `open()` connects, starts and waits for `ready`; the script then calls `utterance()`
 * (normal turn) and `bargeIn()` (speaks over the reply). Results accumulate in `samples`.
 */
export class VoiceBenchSession {
  turns = new Map();
  /** Turn ids in the order the server started them. */
  turnOrder = [];
  errors = [];
  /** Reply frames that arrived after their reply ended (cancelled or done), before the next began. */
  strayFrames = 0;
  order = new SampleOrderCheck();
  samples = {
    overheadMs: [],
    endToFirstAudioMs: [],
    bargeToCancelledMs: [],
    bargeToLastAudioMs: [],
    vadOffsetMs: [],
  };
  #ws = null;
  #mic = null;
  #waiters = new Set();
  #replyOpen = false;
  #lastAudioAt = null;
  #closed = false;

  constructor({ WebSocket, url, token, start, clock, minSpeechMs, providersMs }) {
    this.WebSocket = WebSocket;
    this.url = url;
    this.token = token;
    this.start = start;
    this.clock = clock;
    this.minSpeechMs = minSpeechMs;
    this.providersMs = providersMs;
  }

  async open(timeoutMs = 15_000) {
    const ws = new this.WebSocket(this.url, {
      headers: { authorization: `Bearer ${this.token}` },
      perMessageDeflate: false,
    });
    this.#ws = ws;
    ws.on('message', (data, isBinary) => this.#received(data, isBinary));
    ws.on('close', () => {
      this.#closed = true;
      this.#notify();
    });
    ws.on('error', (error) => this.errors.push(`socket: ${error.message}`));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('unexpected-response', (_req, res) =>
        reject(new HarnessError(`upgrade answered HTTP ${res.statusCode}`)),
      );
      ws.once('error', reject);
    });
    ws.send(JSON.stringify(this.start));
    await this.#until(() => this.ready, 'ready', timeoutMs);
    const frameBytes = (this.start.sampleRate * FRAME_MS * 2) / 1000;
    this.#mic = new Microphone((frame) => {
      if (ws.readyState !== this.WebSocket.OPEN) return false;
      ws.send(frame);
      return true;
    }, Buffer.alloc(frameBytes));
    this.#mic.start(performance.now());
    this.clock.add(this.#mic);
  }

  /** Speaks `frames` and waits for the whole reply; records the turn's overhead. */
  async utterance(frames, timeoutMs) {
    const turnIndex = this.turnOrder.length;
    const lastIndex = await this.#spoken(this.#mic.speak(frames), timeoutMs);
    const turn = await this.#turnAt(turnIndex, timeoutMs);
    await this.#until(() => turn.firstAudioAt !== null, `first reply audio of ${turn.id}`, timeoutMs);
    this.#recordOverhead(turn, lastIndex);
    await this.#until(
      () => turn.doneAt !== null || turn.cancelledAt !== null,
      `the end of ${turn.id}`,
      timeoutMs,
    );
    await this.#until(() => turn.metrics !== null, `turn.metrics of ${turn.id}`, timeoutMs);
    return turn;
  }

  /**
   * Speaks `frames`, and once `afterMs` of its reply has arrived speaks `frames` again over it: the
   * reply must be cut. Records the barge-in's timings, then waits for the second turn's reply.
   */
  async bargeIn(frames, afterMs, timeoutMs) {
    const turnIndex = this.turnOrder.length;
    const lastIndex = await this.#spoken(this.#mic.speak(frames), timeoutMs);
    const first = await this.#turnAt(turnIndex, timeoutMs);
    await this.#until(() => first.firstAudioAt !== null, `first reply audio of ${first.id}`, timeoutMs);
    this.#recordOverhead(first, lastIndex);
    const until = first.firstAudioAt + afterMs;
    await this.#until(() => performance.now() >= until || first.doneAt !== null, 'playback', timeoutMs);
    if (first.doneAt !== null) throw new HarnessError(`the reply of ${first.id} ended before the barge-in`);
    const secondLast = this.#mic.speak(frames);
    const second = await this.#turnAt(turnIndex + 1, timeoutMs);
    await this.#until(() => first.cancelledAt !== null, `audio.cancelled of ${first.id}`, timeoutMs);
    const confirming =
      this.#mic.sentAt[confirmingFrameIndex(second.speechStartedMs, this.minSpeechMs, FRAME_MS)];
    if (confirming === undefined)
      throw new HarnessError('the barge-in was confirmed by a frame not sent yet');
    this.samples.bargeToCancelledMs.push(first.cancelledAt - confirming);
    this.samples.bargeToLastAudioMs.push(Math.max(0, (first.lastAudioAt ?? 0) - confirming));
    await this.#until(() => second.firstAudioAt !== null, `first reply audio of ${second.id}`, timeoutMs);
    this.#recordOverhead(second, await this.#spoken(secondLast, timeoutMs));
    await this.#until(
      () => second.doneAt !== null && second.metrics !== null,
      `the end of ${second.id}`,
      timeoutMs,
    );
  }

  async close() {
    if (this.#mic) this.clock.remove(this.#mic);
    const ws = this.#ws;
    if (!ws || ws.readyState === this.WebSocket.CLOSED) return;
    if (ws.readyState === this.WebSocket.OPEN) ws.send(JSON.stringify({ type: 'stop' }));
    await this.#until(() => this.#closed, 'the socket to close', 5_000).catch(() => ws.terminate());
  }

  /** The index of an utterance's last frame once it went out (or an error if the socket closed first). */
  async #spoken(speaking, timeoutMs) {
    let lastIndex;
    void speaking.then((index) => (lastIndex = index));
    await this.#until(() => lastIndex !== undefined, 'the utterance to be sent', timeoutMs);
    return lastIndex;
  }

  #recordOverhead(turn, lastIndex) {
    const endOfSpeechAt = this.#mic.sentAt[lastIndex];
    const waited = turn.firstAudioAt - endOfSpeechAt;
    this.samples.endToFirstAudioMs.push(waited);
    this.samples.overheadMs.push(
      platformOverheadMs({
        endOfSpeechAt,
        firstAudioAt: turn.firstAudioAt,
        silenceMs: this.start.endOfTurnSilenceMs,
        providersMs: this.providersMs,
      }),
    );
    // Where the detector put the end of speech, against the end of the last speech frame.
    if (turn.speechStoppedMs !== null)
      this.samples.vadOffsetMs.push(turn.speechStoppedMs - (lastIndex + 1) * FRAME_MS);
  }

  async #turnAt(index, timeoutMs) {
    await this.#until(() => this.turnOrder.length > index, `speech.started of turn #${index + 1}`, timeoutMs);
    return this.turns.get(this.turnOrder[index]);
  }

  #turn(id) {
    let turn = this.turns.get(id);
    if (!turn) this.turns.set(id, (turn = newTurn(id)));
    return turn;
  }

  #received(data, isBinary) {
    const at = performance.now();
    if (isBinary) {
      const frame = Buffer.isBuffer(data) ? data : Buffer.from(data);
      if (!this.#replyOpen) {
        this.strayFrames++;
        return;
      }
      const turn = this.#turn(this.currentReply);
      turn.firstAudioAt ??= at;
      turn.lastAudioAt = at;
      turn.audioFrames++;
      this.#lastAudioAt = at;
      this.order.push(frame);
      return this.#notify();
    }
    const event = JSON.parse(data.toString());
    switch (event.type) {
      case 'ready':
        this.ready = event;
        break;
      case 'speech.started':
        this.#turn(event.turnId).speechStartedMs = event.atMs;
        this.turnOrder.push(event.turnId);
        break;
      case 'speech.stopped':
        this.#turn(event.turnId).speechStoppedMs = event.atMs;
        break;
      case 'audio.started':
        this.#turn(event.turnId).audioStartedAt = at;
        this.currentReply = event.turnId;
        this.#replyOpen = true;
        this.order.reset();
        break;
      case 'audio.done':
        this.#turn(event.turnId).doneAt = at;
        this.#replyOpen = false;
        break;
      case 'audio.cancelled':
        this.#turn(event.turnId).cancelledAt = at;
        this.#replyOpen = false;
        break;
      case 'turn.metrics':
        this.#turn(event.metrics.turnId).metrics = event.metrics;
        break;
      case 'error':
        this.errors.push(`${event.code}: ${event.message}`);
        break;
      default:
        break;
    }
    this.#notify();
  }

  #notify() {
    for (const waiter of this.#waiters) waiter.check();
  }

  #until(predicate, what, timeoutMs) {
    return new Promise((resolve, reject) => {
      const waiter = {
        check: () => {
          if (predicate()) {
            finish();
            resolve();
          } else if (this.#closed) {
            finish();
            reject(new HarnessError(`the socket closed while waiting for ${what}${this.#errorsSoFar()}`));
          }
        },
      };
      // Time-based conditions (playback) are also checked by a timer.
      const poll = setInterval(() => waiter.check(), 5);
      const timer = setTimeout(() => {
        finish();
        reject(new HarnessError(`no ${what} within ${timeoutMs} ms${this.#errorsSoFar()}`));
      }, timeoutMs);
      const finish = () => {
        clearInterval(poll);
        clearTimeout(timer);
        this.#waiters.delete(waiter);
      };
      this.#waiters.add(waiter);
      waiter.check();
    });
  }

  #errorsSoFar() {
    return this.errors.length > 0 ? ` (errors: ${this.errors.join('; ')})` : '';
  }
}
