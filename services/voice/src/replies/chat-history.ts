import type { ChatMessage, ChatSessionWithMessages } from '@conduit/contracts';

/** One message of a chat session's history, as a model is given it. */
export interface HistoryMessage {
  readonly role: 'user' | 'assistant';
  readonly text: string;
}

/** How much of a continued chat session a realtime model is given when it connects. */
export const HISTORY_MAX_MESSAGES = 20;
export const HISTORY_MAX_CHARS = 8_000;

/**
 * The recent history of the branch `session` continues (its `activeLeafId` back through the parents in
 * its page of newest messages), oldest first: completed user and assistant messages only, at most
 * {@link HISTORY_MAX_MESSAGES}, and the newest of them that fit in {@link HISTORY_MAX_CHARS} (a message
 * that would pass it is left out with every older one).
 */
export function recentHistory(
  session: Pick<ChatSessionWithMessages, 'messages' | 'activeLeafId'>,
): HistoryMessage[] {
  const byId = new Map(session.messages.map((message) => [message.id, message]));
  const newestFirst: HistoryMessage[] = [];
  let chars = 0;
  let message = session.activeLeafId ? byId.get(session.activeLeafId) : undefined;
  while (message && newestFirst.length < HISTORY_MAX_MESSAGES) {
    const kept = historyMessage(message);
    if (kept) {
      chars += kept.text.length;
      if (chars > HISTORY_MAX_CHARS) break;
      newestFirst.push(kept);
    }
    message = message.parentId ? byId.get(message.parentId) : undefined;
  }
  return newestFirst.reverse();
}

function historyMessage(message: ChatMessage): HistoryMessage | null {
  if (message.status !== 'complete' || message.role === 'system') return null;
  const text = message.content.trim();
  return text ? { role: message.role, text } : null;
}
