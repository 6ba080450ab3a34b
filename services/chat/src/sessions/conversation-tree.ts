import type { ChatMessage } from '../generated/prisma/client';

/** A session's messages as the tree that edits and regenerations make of them. */
export class ConversationTree {
  private readonly byId: ReadonlyMap<string, ChatMessage>;

  constructor(messages: readonly ChatMessage[]) {
    this.byId = new Map(messages.map((m) => [m.id, m]));
  }

  get(id: string | null): ChatMessage | undefined {
    return id === null ? undefined : this.byId.get(id);
  }

  /** The branch from the first message down to `leafId`, oldest first; empty for null. */
  branchTo(leafId: string | null): ChatMessage[] {
    const branch: ChatMessage[] = [];
    const seen = new Set<string>();
    for (
      let message = this.get(leafId);
      message && !seen.has(message.id);
      message = this.get(message.parentId)
    ) {
      seen.add(message.id);
      branch.push(message);
    }
    return branch.reverse();
  }
}
