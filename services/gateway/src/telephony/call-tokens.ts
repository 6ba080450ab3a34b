import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type Redis from 'ioredis';
import { z } from 'zod';
import { InjectConfig, REDIS } from '@conduit/service-kit';
import type { GatewayConfig } from '../config';

/** What a media stream token stands for: the call it was made for and the user the call is for. */
export const PhoneCallSchema = z.object({
  callSid: z.string().min(1),
  userId: z.uuid(),
  direction: z.enum(['inbound', 'outbound']),
  /** For calls placed by an agent tool: why, told to the conversation. */
  purpose: z.string().optional(),
});
export type PhoneCall = z.infer<typeof PhoneCallSchema>;

/** Tokens are base64url of 32 random bytes. */
export const CALL_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * One-time tokens naming a call, kept in Redis (so Twilio's media stream may reach any replica): the
 * webhook makes one for the TwiML it answers with, the media stream socket takes it (read and deleted
 * at once, so a token opens one stream only) within TWILIO_CALL_TOKEN_TTL_MS.
 */
@Injectable()
export class CallTokens {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @InjectConfig() private readonly config: GatewayConfig,
  ) {}

  async issue(call: PhoneCall): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.redis.set(key(token), JSON.stringify(call), 'PX', this.config.TWILIO_CALL_TOKEN_TTL_MS);
    return token;
  }

  /** The call, once: null for a token that is unknown, used or expired. */
  async take(token: string): Promise<PhoneCall | null> {
    if (!CALL_TOKEN_PATTERN.test(token)) return null;
    const value = await this.redis.getdel(key(token));
    if (value === null) return null;
    return PhoneCallSchema.parse(JSON.parse(value));
  }
}

const key = (token: string) => `telephony:call-token:${token}`;
