import { z } from 'zod';
import { EmailSchema, UserViewSchema } from '../users/user.schemas';

export const CredentialsSchema = z.strictObject({
  email: EmailSchema,
  password: z.string().min(8).max(1024),
});
export type Credentials = z.infer<typeof CredentialsSchema>;

export const RefreshTokenBodySchema = z.strictObject({ refreshToken: z.string().min(1).max(256) });
export type RefreshTokenBody = z.infer<typeof RefreshTokenBodySchema>;

export const SessionSchema = z.object({
  accessToken: z.string(),
  refreshToken: z.string(),
  tokenType: z.literal('Bearer'),
  /** Seconds until the access token expires. */
  expiresIn: z.number().int(),
  user: UserViewSchema,
});
export type Session = z.infer<typeof SessionSchema>;
