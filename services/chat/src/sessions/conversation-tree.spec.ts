import type { ChatMessage } from '../generated/prisma/client';
import { ConversationTree } from './conversation-tree';

const message = (id: string, parentId: string | null) => ({ id, parentId }) as ChatMessage;

describe('ConversationTree', () => {
  // u1 → a1 → u2 → a2, with u2' (an edit of u2) → a2', and a1' (a regeneration of a1)
  const tree = new ConversationTree([
    message('u1', null),
    message('a1', 'u1'),
    message('a1b', 'u1'),
    message('u2', 'a1'),
    message('a2', 'u2'),
    message('u2b', 'a1'),
    message('a2b', 'u2b'),
  ]);

  it('follows one branch from the root to a leaf', () => {
    expect(tree.branchTo('a2').map((m) => m.id)).toEqual(['u1', 'a1', 'u2', 'a2']);
    expect(tree.branchTo('a2b').map((m) => m.id)).toEqual(['u1', 'a1', 'u2b', 'a2b']);
    expect(tree.branchTo('a1b').map((m) => m.id)).toEqual(['u1', 'a1b']);
  });

  it('gives nothing for no leaf or an unknown one, and survives a cycle', () => {
    expect(tree.branchTo(null)).toEqual([]);
    expect(tree.branchTo('nope')).toEqual([]);
    const cyclic = new ConversationTree([message('x', 'y'), message('y', 'x')]);
    expect(cyclic.branchTo('x').map((m) => m.id)).toEqual(['y', 'x']);
  });
});
