import { z } from 'zod';
import type { User } from '../../generated/prisma/client';

/** Accounts are keyed by the lower-cased address, so `Ann@x.io` and `ann@x.io` are one account. */
export const EmailSchema = z.email().max(254).toLowerCase();

/** What the API shows of an account; never the password hash. */
export const UserViewSchema = z.object({ id: z.uuid(), email: z.email(), createdAt: z.iso.datetime() });
export type UserView = z.infer<typeof UserViewSchema>;

export function toUserView(user: User): UserView {
  return { id: user.id, email: user.email, createdAt: user.createdAt.toISOString() };
}
