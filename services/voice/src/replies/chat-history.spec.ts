import { randomUUID } from 'node:crypto';
import type { ChatMessage } from '@conduit/contracts';
import { HISTORY_MAX_CHARS, HISTORY_MAX_MESSAGES, recentHistory } from './chat-history';

const sessionId = randomUUID();

function message(
  parent: ChatMessage | null,
  role: ChatMessage['role'],
  content: string,
  status: ChatMessage['status'] = 'complete',
): ChatMessage {
  return {
    id: randomUUID(),
    sessionId,
    parentId: parent?.id ?? null,
    role,
    content,
    status,
    model: null,
    usage: null,
    costUsd: null,
    errorCode: null,
    promptContext: null,
    createdAt: new Date().toISOString(),
  };
}

/** Alternating user and assistant messages, each following the one before. */
function thread(count: number, parent: ChatMessage | null = null, text = (i: number) => `m${i}`) {
  const messages: ChatMessage[] = [];
  for (let i = 0; i < count; i += 1) {
    parent = message(parent, i % 2 === 0 ? 'user' : 'assistant', text(i));
    messages.push(parent);
  }
  return messages;
}

describe('recentHistory', () => {
  it('follows the active branch only, oldest first, leaving out other branches', () => {
    const [question, answer] = thread(2);
    const abandoned = message(answer!, 'user', 'the edit before');
    const edited = message(answer!, 'user', 'the edit after');
    const reply = message(edited, 'assistant', 'reply');
    const history = recentHistory({
      messages: [question!, answer!, abandoned, edited, reply],
      activeLeafId: reply.id,
    });
    expect(history).toEqual([
      { role: 'user', text: 'm0' },
      { role: 'assistant', text: 'm1' },
      { role: 'user', text: 'the edit after' },
      { role: 'assistant', text: 'reply' },
    ]);
  });

  it('keeps completed user and assistant messages only', () => {
    const system = message(null, 'system', 'be brief');
    const question = message(system, 'user', 'q');
    const failed = message(question, 'assistant', 'half an answ', 'failed');
    const again = message(failed, 'user', 'q again');
    const answer = message(again, 'assistant', 'a');
    expect(
      recentHistory({ messages: [system, question, failed, again, answer], activeLeafId: answer.id }),
    ).toEqual([
      { role: 'user', text: 'q' },
      { role: 'user', text: 'q again' },
      { role: 'assistant', text: 'a' },
    ]);
  });

  it(`keeps the newest ${HISTORY_MAX_MESSAGES} messages within ${HISTORY_MAX_CHARS} characters`, () => {
    const many = thread(HISTORY_MAX_MESSAGES + 5);
    const history = recentHistory({ messages: many, activeLeafId: many.at(-1)!.id });
    expect(history).toHaveLength(HISTORY_MAX_MESSAGES);
    expect(history.at(-1)!.text).toBe(`m${HISTORY_MAX_MESSAGES + 4}`);

    const long = thread(6, null, () => 'x'.repeat(HISTORY_MAX_CHARS / 4));
    const cut = recentHistory({ messages: long, activeLeafId: long.at(-1)!.id });
    expect(cut).toHaveLength(4);
    expect(cut.reduce((n, m) => n + m.text.length, 0)).toBeLessThanOrEqual(HISTORY_MAX_CHARS);
  });

  it('gives nothing for an empty session', () => {
    expect(recentHistory({ messages: [], activeLeafId: null })).toEqual([]);
  });
});
