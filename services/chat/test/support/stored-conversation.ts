import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '../../src/generated/prisma/client';

/**
 * Stores `contents` straight into the database as one branch of a session (user, assistant, user, …),
 * a second apart and ending now, and makes its last message the branch new turns continue from.
 * Returns the messages' ids, oldest first.
 */
export async function storeConversation(
  prisma: PrismaClient,
  sessionId: string,
  userId: string,
  contents: string[],
): Promise<string[]> {
  const ids = contents.map(() => randomUUID());
  const start = Date.now() - contents.length * 1_000;
  await prisma.chatMessage.createMany({
    data: ids.map((id, i) => ({
      id,
      sessionId,
      parentId: i === 0 ? null : ids[i - 1]!,
      userId,
      role: i % 2 === 0 ? ('user' as const) : ('assistant' as const),
      content: contents[i]!,
      status: 'complete' as const,
      createdAt: new Date(start + i * 1_000),
    })),
  });
  await prisma.chatSession.update({ where: { id: sessionId }, data: { activeLeafId: ids.at(-1)! } });
  return ids;
}
