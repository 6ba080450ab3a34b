import type { VoiceServerEvent, VoiceTurnMetrics } from '@conduit/contracts';
import './voice.css';
import { barChart } from '../../ui/charts';
import { field, h, messageOf, replace, statusLine } from '../../ui/dom';
import type { Panel } from '../panel';
import workletUrl from './capture.worklet.ts?worklet';
import { type TalkMode, VoiceConversation } from './voice-conversation';

/** A turn's stages, each in ms from the end of the user's speech, in the order they happen. */
const STAGES: ReadonlyArray<[keyof VoiceTurnMetrics, string]> = [
  ['firstPartialMs', 'First partial'],
  ['finalTranscriptMs', 'Final transcript'],
  ['llmFirstTokenMs', 'First token'],
  ['ttsFirstByteMs', 'First speech'],
  ['endOfSpeechToFirstAudioMs', 'First audio sent'],
];

/**
 * A live voice conversation over `/ws/voice`: hands-free or press to talk, the turn's partial and
 * final transcript, the answer's text and audio as they stream, barge-in, and each turn's latency.
 */
export const voicePanel: Panel = {
  id: 'voice',
  title: 'Voice',
  mount(root, { api, signal }) {
    let conversation: VoiceConversation | null = null;
    const status = statusLine();
    const handsFree = h('input', { type: 'radio', name: 'talk-mode', value: 'hands-free', checked: true });
    const pushToTalk = h('input', { type: 'radio', name: 'talk-mode', value: 'push-to-talk' });
    const modes = h(
      'fieldset',
      { class: 'row' },
      h('legend', {}, 'How you talk'),
      h('label', {}, handsFree, ' Hands-free'),
      h('label', {}, pushToTalk, ' Press to talk'),
    );
    const start = h('button', { type: 'button' }, 'Start conversation');
    const stop = h('button', { type: 'button', class: 'secondary', disabled: true }, 'End conversation');
    const talk = h(
      'button',
      { type: 'button', class: 'talk', 'aria-pressed': 'false', disabled: true, hidden: true },
      'Hold to talk',
    );
    const interrupt = h('button', { type: 'button', class: 'secondary', disabled: true }, 'Interrupt');
    const typed = h('input', { name: 'say', maxlength: 20_000, autocomplete: 'off', disabled: true });
    const say = h('button', { type: 'submit', disabled: true }, 'Say');
    const sayForm = h('form', { class: 'row', 'aria-label': 'Type a turn' }, field('Or type it', typed), say);
    const received = h('output', { 'data-testid': 'voice-received-bytes', 'aria-live': 'off' }, '0');
    const transcript = h('ol', { class: 'voice-transcript', 'aria-live': 'polite' });
    const latency = h('div', { class: 'voice-latency' }, h('p', { class: 'muted' }, 'No turn yet.'));
    const turns = new Map<string, { you: HTMLElement; reply: HTMLElement; item: HTMLElement }>();

    const mode = (): TalkMode => (pushToTalk.checked ? 'push-to-talk' : 'hands-free');
    const setOpen = (open: boolean) => {
      start.disabled = open;
      stop.disabled = !open;
      handsFree.disabled = pushToTalk.disabled = open;
      talk.hidden = mode() !== 'push-to-talk';
    };
    const setReady = (ready: boolean) => {
      talk.disabled = interrupt.disabled = typed.disabled = say.disabled = !ready;
    };
    const turn = (turnId: string) => {
      let entry = turns.get(turnId);
      if (!entry) {
        const you = h('p', { class: 'voice-you' });
        const reply = h('p', { class: 'voice-reply' });
        const item = h('li', { 'data-turn': turnId }, you, reply);
        transcript.append(item);
        entry = { you, reply, item };
        turns.set(turnId, entry);
      }
      return entry;
    };
    const onEvent = (event: VoiceServerEvent) => {
      switch (event.type) {
        case 'ready':
          setReady(true);
          status.show(
            mode() === 'push-to-talk' ? 'Ready: hold the button (or Space) while you talk.' : 'Listening…',
          );
          break;
        case 'speech.started':
          status.show('Hearing you…');
          break;
        case 'speech.stopped':
          status.show('Thinking…');
          break;
        case 'transcript.partial':
        case 'transcript.final': {
          const { you } = turn(event.turnId);
          you.textContent = `You: ${event.text}`;
          you.classList.toggle('partial', event.type === 'transcript.partial');
          break;
        }
        case 'response.delta': {
          const { reply } = turn(event.turnId);
          if (!reply.textContent) reply.textContent = 'Assistant: ';
          reply.append(event.text);
          break;
        }
        case 'tool.call':
          turn(event.turnId).item.append(
            h('p', { class: 'muted' }, `Tool ${event.name}(${JSON.stringify(event.arguments)})`),
          );
          break;
        case 'tool.result':
          turn(event.turnId).item.append(
            h(
              'p',
              { class: 'muted' },
              `→ ${event.ok ? JSON.stringify(event.output) : `${event.error?.code}: ${event.error?.message}`}`,
            ),
          );
          break;
        case 'audio.started':
          status.show('Speaking… (talk over it to interrupt)');
          break;
        case 'audio.done':
          status.show(mode() === 'push-to-talk' ? 'Ready.' : 'Listening…');
          break;
        case 'audio.cancelled':
          turn(event.turnId).item.append(
            h('p', { class: 'muted' }, `Interrupted; heard: “${event.playedText || '…'}”`),
          );
          status.show('Interrupted. Listening…');
          break;
        case 'turn.metrics':
          replace(latency, latencyChart(event.metrics));
          break;
        case 'error':
          status.show(`${event.code}: ${event.message}`, 'error');
          break;
        case 'done':
          status.show('The conversation ended.');
          break;
      }
    };

    start.addEventListener('click', () => {
      status.show('Connecting…');
      setOpen(true);
      const context = new AudioContext();
      void api.socketUrl('/ws/voice').then(
        (url) => {
          if (signal.aborted) return void context.close(); // the panel was left meanwhile
          conversation = new VoiceConversation({
            context,
            url,
            workletUrl,
            mode: mode(),
            onEvent,
            onAudio: (bytes) => (received.textContent = String(bytes)),
            onClose: (code) => {
              conversation = null;
              setOpen(false);
              setReady(false);
              if (code !== 1000) status.show(`The connection closed (${code}).`, 'error');
            },
          });
        },
        (error: unknown) => {
          void context.close();
          setOpen(false);
          status.show(messageOf(error), 'error');
        },
      );
    });
    stop.addEventListener('click', () => conversation?.stop());
    interrupt.addEventListener('click', () => conversation?.interrupt());
    const press = (talking: boolean) => {
      talk.setAttribute('aria-pressed', String(talking));
      conversation?.setTalking(talking);
    };
    talk.addEventListener('pointerdown', (event) => {
      talk.setPointerCapture(event.pointerId);
      press(true);
    });
    for (const type of ['pointerup', 'pointercancel'] as const)
      talk.addEventListener(type, () => press(false));
    talk.addEventListener('keydown', (event) => {
      if ((event.key === ' ' || event.key === 'Enter') && !event.repeat) {
        event.preventDefault();
        press(true);
      }
    });
    talk.addEventListener('keyup', (event) => {
      if (event.key === ' ' || event.key === 'Enter') press(false);
    });
    talk.addEventListener('blur', () => press(false));
    for (const radio of [handsFree, pushToTalk])
      radio.addEventListener('change', () => (talk.hidden = mode() !== 'push-to-talk'));
    sayForm.addEventListener('submit', (event) => {
      event.preventDefault();
      if (!typed.value.trim() || !conversation) return;
      conversation.say(typed.value);
      typed.value = '';
    });

    root.append(
      h(
        'div',
        { class: 'card' },
        h('h3', {}, 'Conversation'),
        modes,
        h('div', { class: 'actions' }, start, stop, talk, interrupt),
        status.element,
        sayForm,
      ),
      h(
        'div',
        { class: 'card' },
        h('h3', {}, 'Transcript'),
        transcript,
        h('p', { class: 'muted' }, 'Reply audio received: ', received, ' bytes'),
      ),
      h('div', { class: 'card' }, h('h3', {}, 'Latency of the last turn'), latency),
    );
    return () => conversation?.stop();
  },
};

/** The turn's stages that happened, as bars of milliseconds from the end of speech. */
function latencyChart(metrics: VoiceTurnMetrics): SVGSVGElement {
  const data = STAGES.flatMap(([key, label]) => {
    const value = metrics[key];
    return typeof value === 'number' ? [{ label, value: Math.round(value) }] : [];
  });
  return barChart({
    title: `Turn latency from the end of speech${metrics.interrupted ? ' (interrupted)' : ''}`,
    data,
    orientation: 'horizontal',
    format: (ms) => `${ms} ms`,
  });
}
