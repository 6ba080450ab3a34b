import type {
  ChatMessage,
  ChatSession,
  ChatSessionWithMessages,
  ChatStreamEvent,
  MemoryCitation,
  ModelInfo,
} from '@conduit/contracts';
import type { ApiClient } from '../../api/client';
import { ApiError } from '../../api/errors';
import { SocketClosedError, startSocketStream } from '../../api/socket-stream';
import type { SseEvent } from '../../api/sse';
import { field, h, messageOf, replace, statusLine } from '../../ui/dom';
import type { Panel, PanelContext } from '../panel';
import { MessageTree } from './branches';
import { forgetStream, pendingStream, rememberStream } from './pending-stream';

/** Sessions, streamed answers, model picker, branches (regenerate, edit, switch), stop, resume, citations. */
export const chatPanel: Panel = {
  id: 'chat',
  title: 'Chat',
  mount(root, context) {
    const view = new ChatView(root, context);
    void view.start();
    return () => view.stop();
  },
};

/** One answer being streamed into the page. */
interface LiveAnswer {
  streamId: string | null;
  abort: AbortController;
}

/**
 * A turn the gateway answers with a stream: its `/ws` stream endpoint (`chat.message`…) and its HTTP
 * route, which take the same request (the route's path holds the ids that `ids` gives the frame).
 */
interface Turn {
  stream: 'chat.message' | 'chat.regenerate' | 'chat.edit';
  path: string;
  ids: Record<string, string>;
  body: Record<string, unknown>;
}

/** An answer's stream however it came: its id (to stop or resume it), its message, its events. */
interface AnswerStream {
  streamId: string | null;
  assistantMessageId: string | null;
  events: AsyncIterable<ChatStreamEvent>;
}

class ChatView {
  private readonly api: ApiClient;
  private readonly sessionList = h('ul', { class: 'sessions' });
  private readonly title = h('h3', { class: 'session-title' }, 'New chat');
  private readonly messages = h('ol', { class: 'messages', 'aria-label': 'Messages' });
  private readonly model = h('select', { name: 'model' });
  private readonly input = h('textarea', {
    name: 'message',
    rows: 3,
    required: true,
    placeholder: 'Ask anything',
  });
  private readonly memory = h('input', { type: 'checkbox', name: 'memory' });
  private readonly collections = h('input', { name: 'collections', placeholder: 'notes, docs' });
  private readonly send = h('button', { type: 'submit' }, 'Send');
  private readonly stopButton = h('button', { type: 'button', class: 'secondary', disabled: true }, 'Stop');
  private readonly status = statusLine();
  private session: ChatSessionWithMessages | null = null;
  private live: LiveAnswer | null = null;

  constructor(
    private readonly root: HTMLElement,
    private readonly context: PanelContext,
  ) {
    this.api = context.api;
  }

  async start(): Promise<void> {
    const newChat = h('button', { type: 'button', class: 'secondary' }, 'New chat');
    newChat.addEventListener('click', () => this.openSession(null));
    const composer = h(
      'form',
      { class: 'composer', 'aria-label': 'Send a message' },
      field('Message', this.input),
      h(
        'div',
        { class: 'row' },
        field('Model', this.model),
        h('label', { class: 'check' }, this.memory, ' Use memory'),
        field('Memory collections', this.collections),
      ),
      h('div', { class: 'actions' }, this.send, this.stopButton),
    );
    composer.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.sendMessage();
    });
    this.input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) composer.requestSubmit();
    });
    this.stopButton.addEventListener('click', () => void this.stopAnswer());
    this.root.append(
      h(
        'div',
        { class: 'chat' },
        h('aside', { 'aria-label': 'Sessions' }, newChat, this.sessionList),
        h('div', { class: 'conversation' }, this.title, this.messages, this.status.element, composer),
      ),
    );
    await Promise.all([this.loadModels(), this.loadSessions()]).catch((error: unknown) => this.fail(error));
    const fromUrl = /^#\/chat\/([\w-]+)/.exec(location.hash)?.[1] ?? null;
    await this.openSession(fromUrl);
  }

  stop(): void {
    // Leaving the panel stops reading; the answer goes on being generated and can be resumed.
    this.live?.abort.abort();
    this.live = null;
  }

  private async loadModels(): Promise<void> {
    const { models } = await this.api.json<{ models: ModelInfo[] }>('/api/v1/models', {
      signal: this.context.signal,
    });
    replace(
      this.model,
      ...models.map((model) =>
        h(
          'option',
          { value: model.id, disabled: !model.available },
          model.available ? model.id : `${model.id} (no key here)`,
        ),
      ),
    );
    this.model.value = models.find((model) => model.available)?.id ?? '';
  }

  private async loadSessions(): Promise<void> {
    const page = await this.api.json<{ items: ChatSession[] }>('/api/v1/chat/sessions?limit=50', {
      signal: this.context.signal,
    });
    replace(
      this.sessionList,
      ...page.items.map((session) => {
        const open = h(
          'button',
          { type: 'button', class: 'link', 'aria-current': session.id === this.session?.id ? 'true' : null },
          session.title,
        );
        open.addEventListener('click', () => void this.openSession(session.id));
        return h('li', {}, open);
      }),
    );
  }

  /** Shows a session (null: a new one); `keepStatus` after an answer, so its outcome stays announced. */
  private async openSession(id: string | null, keepStatus = false): Promise<void> {
    this.stop();
    if (!keepStatus) this.status.clear();
    history.replaceState(null, '', id ? `#/chat/${id}` : '#/chat');
    if (!id) {
      this.session = null;
      this.title.textContent = 'New chat';
      replace(this.messages);
      this.setBusy(false);
      this.input.focus();
      return;
    }
    try {
      this.session = await this.api.json<ChatSessionWithMessages>(
        `/api/v1/chat/sessions/${encodeURIComponent(id)}`,
        {
          signal: this.context.signal,
        },
      );
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return this.openSession(null);
      return this.fail(error);
    }
    this.title.textContent = this.session.title;
    this.memory.checked = this.session.memory.enabled;
    this.collections.value = this.session.memory.collections.join(', ');
    if ([...this.model.options].some((option) => option.value === this.session?.model && !option.disabled))
      this.model.value = this.session.model;
    this.render();
    void this.loadSessions().catch(() => undefined);
    const pending = pendingStream();
    if (pending?.sessionId === id) await this.resume(pending.streamId, pending.assistantMessageId);
  }

  /** Draws the active branch of the open session. */
  private render(): void {
    const session = this.session;
    if (!session) return replace(this.messages);
    const tree = new MessageTree(session.messages);
    const path = tree.path(session.activeLeafId);
    const last = path.at(-1);
    replace(this.messages, ...path.map((message) => this.messageItem(message, tree, message === last)));
  }

  private messageItem(message: ChatMessage, tree: MessageTree, isLast: boolean): HTMLLIElement {
    const content = h('div', { class: 'content' }, message.content);
    const item = h(
      'li',
      { class: `message ${message.role}`, 'data-message-id': message.id },
      this.meta(message, tree),
      content,
    );
    const citations = message.promptContext?.memory?.citations ?? [];
    if (citations.length > 0) item.append(citationList(citations));
    const actions = h('div', { class: 'actions' });
    if (message.role === 'user') {
      const edit = h('button', { type: 'button', class: 'secondary small' }, 'Edit');
      edit.addEventListener('click', () => this.editMessage(message, item, content));
      actions.append(edit);
    } else if (isLast && message.role === 'assistant') {
      const again = h('button', { type: 'button', class: 'secondary small' }, 'Regenerate');
      again.addEventListener('click', () => void this.regenerate(message));
      actions.append(again);
    }
    if (actions.childElementCount > 0) item.append(actions);
    return item;
  }

  private meta(message: ChatMessage, tree: MessageTree): HTMLElement {
    const who = message.role === 'user' ? 'You' : `Assistant${message.model ? ` · ${message.model}` : ''}`;
    const meta = h('div', { class: 'meta' }, h('span', {}, who));
    if (message.status !== 'complete') meta.append(h('span', { class: 'badge' }, message.status));
    const siblings = tree.siblings(message);
    if (siblings.length > 1) {
      const index = siblings.indexOf(message);
      const switchTo = (offset: number) => {
        const target = siblings[index + offset];
        if (target) void this.switchBranch(tree.newestLeaf(target).id);
      };
      const previous = h(
        'button',
        { type: 'button', class: 'secondary small', 'aria-label': 'Previous version', disabled: index === 0 },
        '‹',
      );
      const next = h(
        'button',
        {
          type: 'button',
          class: 'secondary small',
          'aria-label': 'Next version',
          disabled: index === siblings.length - 1,
        },
        '›',
      );
      previous.addEventListener('click', () => switchTo(-1));
      next.addEventListener('click', () => switchTo(1));
      meta.append(
        h(
          'span',
          { class: 'branch', role: 'group', 'aria-label': 'Versions' },
          previous,
          h('span', {}, `${index + 1}/${siblings.length}`),
          next,
        ),
      );
    }
    return meta;
  }

  private async switchBranch(leafId: string): Promise<void> {
    const session = this.session;
    if (!session || this.live) return;
    try {
      await this.api.json(`/api/v1/chat/sessions/${session.id}`, {
        method: 'PATCH',
        body: { activeLeafId: leafId },
      });
      await this.openSession(session.id);
    } catch (error) {
      this.fail(error);
    }
  }

  private async sendMessage(): Promise<void> {
    const content = this.input.value.trim();
    if (!content || this.live) return;
    this.status.clear();
    try {
      if (!this.session) {
        const created = await this.api.json<ChatSession>('/api/v1/chat/sessions', {
          body: { model: this.model.value || undefined },
        });
        this.session = { ...created, messages: [], olderMessagesCursor: null, activeLeafId: null };
        history.replaceState(null, '', `#/chat/${created.id}`);
      }
    } catch (error) {
      return this.fail(error);
    }
    const session = this.session;
    await this.stream(
      {
        stream: 'chat.message',
        path: `/api/v1/chat/sessions/${session.id}/messages`,
        ids: { sessionId: session.id },
        body: { content, ...this.turnOptions() },
      },
      {
        showQuestion: () => {
          this.input.value = '';
          this.messages.append(
            h(
              'li',
              { class: 'message user' },
              h('div', { class: 'meta' }, 'You'),
              h('div', { class: 'content' }, content),
            ),
          );
        },
        onRefused: () => {
          this.input.value ||= content;
        },
      },
    );
  }

  private async regenerate(message: ChatMessage): Promise<void> {
    const session = this.session;
    if (!session || this.live) return;
    this.messages.querySelector(`[data-message-id="${message.id}"]`)?.remove();
    await this.stream({
      stream: 'chat.regenerate',
      path: `/api/v1/chat/sessions/${session.id}/regenerate`,
      ids: { sessionId: session.id },
      body: this.turnOptions(),
    });
  }

  private editMessage(message: ChatMessage, item: HTMLElement, content: HTMLElement): void {
    if (this.live) return;
    const text = h('textarea', { rows: 3, 'aria-label': 'Edited message' });
    text.value = message.content;
    const save = h('button', { type: 'button' }, 'Save and answer');
    const cancel = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
    const editor = h('div', { class: 'editor' }, text, h('div', { class: 'actions' }, save, cancel));
    content.replaceWith(editor);
    text.focus();
    cancel.addEventListener('click', () => editor.replaceWith(content));
    save.addEventListener('click', () => {
      const session = this.session;
      if (!session || !text.value.trim()) return;
      // The branch continues from the edited message: what followed it is another branch now.
      while (item.nextSibling) item.nextSibling.remove();
      content.textContent = text.value.trim();
      editor.replaceWith(content);
      void this.stream({
        stream: 'chat.edit',
        path: `/api/v1/chat/sessions/${session.id}/messages/${message.id}/edits`,
        ids: { sessionId: session.id, messageId: message.id },
        body: { content: text.value.trim(), ...this.turnOptions() },
      });
    });
  }

  private turnOptions(): Record<string, unknown> {
    const collections = this.collections.value
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean);
    return {
      model: this.model.value || undefined,
      memory:
        this.memory.checked || this.session?.memory.enabled
          ? { enabled: this.memory.checked, collections }
          : undefined,
    };
  }

  /**
   * Starts an answer and streams it into a new assistant message: over the open `/ws` connection
   * when there is one (no new request for the browser to set up, no SSE to parse), else as a POST
   * answered with SSE. The start is sent before anything is drawn (`showQuestion`, the busy state,
   * the empty answer), so the page's work overlaps the wait for the first token.
   */
  private async stream(
    turn: Turn,
    draw: { showQuestion?: () => void; onRefused?: () => void } = {},
  ): Promise<void> {
    const session = this.session!;
    const live: LiveAnswer = { streamId: null, abort: new AbortController() };
    this.live = live;
    const started = this.startAnswer(turn, live.abort.signal);
    draw.showQuestion?.();
    this.setBusy(true);
    const answer = this.answerItem(this.model.value);
    let stream: AnswerStream;
    try {
      stream = await started;
    } catch (error) {
      answer.item.remove();
      this.live = null;
      this.setBusy(false);
      draw.onRefused?.();
      return this.fail(error);
    }
    live.streamId = stream.streamId;
    if (stream.assistantMessageId) answer.item.dataset.messageId = stream.assistantMessageId;
    if (live.streamId) {
      rememberStream({
        sessionId: session.id,
        streamId: live.streamId,
        assistantMessageId: stream.assistantMessageId,
      });
    }
    await this.consume(stream, answer, live);
  }

  private startAnswer(turn: Turn, signal: AbortSignal): Promise<AnswerStream> {
    const overSocket = startSocketStream<ChatStreamEvent>(
      this.api.socket,
      turn.stream,
      { ...turn.body, ...turn.ids },
      signal,
    );
    if (overSocket) {
      return overSocket.then(({ streamId, ack, events }) => ({
        streamId,
        assistantMessageId: typeof ack.assistantMessageId === 'string' ? ack.assistantMessageId : null,
        events,
      }));
    }
    this.api.socket.open(); // for the next answer
    return this.api
      .sse<ChatStreamEvent>(turn.path, { body: turn.body, signal })
      .then(({ response, events }) => ({
        streamId: response.headers.get('x-stream-id'),
        assistantMessageId: response.headers.get('x-assistant-message-id'),
        events: dataOf(events),
      }));
  }

  /** Picks up an answer this tab was streaming before a reload: every event again, from the start. */
  private async resume(streamId: string, assistantMessageId: string | null): Promise<void> {
    const live: LiveAnswer = { streamId, abort: new AbortController() };
    this.live = live;
    this.setBusy(true);
    const existing = assistantMessageId
      ? this.messages.querySelector(`[data-message-id="${assistantMessageId}"]`)
      : null;
    const answer = this.answerItem(null);
    if (existing) existing.replaceWith(answer.item);
    let events: AsyncIterable<ChatStreamEvent>;
    try {
      const sse = await this.api.sse<ChatStreamEvent>(
        `/api/v1/chat/streams/${encodeURIComponent(streamId)}/events`,
        {
          method: 'GET',
          signal: live.abort.signal,
        },
      );
      events = dataOf(sse.events);
    } catch (error) {
      // Expired or finished long ago: what was saved is what there is.
      forgetStream(streamId);
      this.live = null;
      this.setBusy(false);
      if (error instanceof ApiError && error.status === 404)
        return this.openSession(this.session?.id ?? null);
      return this.fail(error);
    }
    this.status.show('Resumed the answer in progress.');
    await this.consume({ streamId, assistantMessageId, events }, answer, live);
  }

  private answerItem(model: string | null): { item: HTMLLIElement; text: Text; body: HTMLElement } {
    const text = document.createTextNode('');
    const body = h('div', { class: 'content' }, text);
    const item = h(
      'li',
      { class: 'message assistant', 'aria-busy': 'true' },
      h('div', { class: 'meta' }, `Assistant${model ? ` · ${model}` : ''}`),
      body,
    );
    this.messages.append(item);
    return { item, text, body };
  }

  private async consume(
    stream: AnswerStream,
    answer: { item: HTMLLIElement; text: Text },
    live: LiveAnswer,
  ): Promise<void> {
    let finished = false;
    let connectionLost = false;
    try {
      for await (const event of stream.events) {
        if (event.type === 'delta') answer.text.appendData(event.text);
        else if (event.type === 'done') {
          finished = true;
          const citations = event.promptContext?.memory?.citations ?? [];
          if (citations.length > 0) answer.item.append(citationList(citations));
          this.status.show(event.finishReason === 'cancelled' ? 'Stopped.' : 'Answer complete.');
        } else if (event.type === 'error') {
          finished = true;
          this.status.show(`The answer failed: ${event.error.message}`, 'error');
        }
      }
    } catch (error) {
      if (live.abort.signal.aborted) return; // left the panel or the session: resumable later
      // The `/ws` connection dropped (expired token, gateway restart): the answer goes on; pick it up.
      if (error instanceof SocketClosedError && live.streamId) connectionLost = true;
      else this.fail(error);
    } finally {
      answer.item.removeAttribute('aria-busy');
    }
    if (this.live !== live) return;
    if (connectionLost && live.streamId) return this.resume(live.streamId, stream.assistantMessageId);
    this.live = null;
    if (live.streamId && finished) forgetStream(live.streamId);
    // Nothing left to stop; Send waits for the redraw of the session, which would draw over the
    // answer to a message sent in the meantime.
    this.stopButton.disabled = true;
    await this.openSession(this.session?.id ?? null, true).catch(() => undefined);
    if (this.live === null) this.setBusy(false);
  }

  private async stopAnswer(): Promise<void> {
    const streamId = this.live?.streamId;
    if (!streamId) return;
    this.stopButton.disabled = true;
    try {
      await this.api.json(`/api/v1/chat/streams/${encodeURIComponent(streamId)}`, { method: 'DELETE' });
    } catch (error) {
      // 409: it finished on its own meanwhile.
      if (!(error instanceof ApiError && error.status === 409)) this.fail(error);
    }
  }

  private setBusy(busy: boolean): void {
    this.send.disabled = busy;
    this.stopButton.disabled = !busy;
  }

  private fail(error: unknown): void {
    this.status.show(messageOf(error), 'error');
  }
}

function citationList(citations: MemoryCitation[]): HTMLElement {
  return h(
    'details',
    { class: 'citations' },
    h('summary', {}, `Sources from memory (${citations.length})`),
    h(
      'ol',
      {},
      ...citations.map((citation) =>
        h(
          'li',
          {},
          citation.title ?? citation.documentId,
          h(
            'span',
            { class: 'muted' },
            ` — ${citation.collection === 'chat' ? 'an earlier conversation' : citation.collection}`,
          ),
        ),
      ),
    ),
  );
}

async function* dataOf<T>(events: AsyncIterable<SseEvent<T>>): AsyncGenerator<T> {
  for await (const event of events) yield event.data;
}
