import type { ChatMessage } from '@conduit/contracts';

/** The messages of a session as a tree: each message's children, oldest first. */
export class MessageTree {
  private readonly byId = new Map<string, ChatMessage>();
  private readonly children = new Map<string | null, ChatMessage[]>();

  constructor(messages: readonly ChatMessage[]) {
    for (const message of messages) this.byId.set(message.id, message);
    for (const message of messages) {
      // A parent older than the loaded page counts as the root.
      const parent = message.parentId && this.byId.has(message.parentId) ? message.parentId : null;
      const siblings = this.children.get(parent) ?? [];
      siblings.push(message);
      this.children.set(parent, siblings);
    }
  }

  /** The branch ending at `leafId`, root first. */
  path(leafId: string | null): ChatMessage[] {
    const path: ChatMessage[] = [];
    for (let message = leafId ? this.byId.get(leafId) : undefined; message;) {
      path.unshift(message);
      message = message.parentId ? this.byId.get(message.parentId) : undefined;
    }
    return path;
  }

  /** The message and its siblings (alternatives: regenerations and edits), oldest first. */
  siblings(message: ChatMessage): ChatMessage[] {
    const parent = message.parentId && this.byId.has(message.parentId) ? message.parentId : null;
    return this.children.get(parent) ?? [message];
  }

  /** The newest leaf under `message` (following the newest child each time): where that branch ends. */
  newestLeaf(message: ChatMessage): ChatMessage {
    let leaf = message;
    for (let next = this.children.get(leaf.id)?.at(-1); next; next = this.children.get(leaf.id)?.at(-1))
      leaf = next;
    return leaf;
  }
}
