import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { RateLimiterRes, type RLWrapperTimeouts } from 'rate-limiter-flexible';
import type twilio from 'twilio';
import { DomainError, ErrorCode, type PlaceCallRequest, type PlacedCall } from '@conduit/contracts';
import { mapProviderError } from '@conduit/provider-errors';
import { InjectConfig, REDIS, sharedLimiter } from '@conduit/service-kit';
import type { PhoneCallsConfig } from './phone-calls.config';
import { createTwilioClient } from './twilio-client';
import { twilioErrors } from './twilio-errors';

/** Where an answered call fetches its TwiML: the gateway's webhook for placed calls. */
const OUTBOUND_WEBHOOK_PATH = '/api/v1/voice/twilio/outbound';

/**
 * Places phone calls through Twilio's REST API (Calls resource) for a user: off unless
 * VOICE_CALLS_ENABLED, only to numbers starting with one of VOICE_CALL_ALLOWED_PREFIXES, and at most
 * VOICE_CALLS_PER_USER_PER_DAY calls a user (a refused or failed call counts too). When the
 * callee answers, Twilio asks the gateway's webhook, whose URL names the user and the purpose (Twilio
 * signs it), and the call becomes that user's voice conversation.
 */
@Injectable()
export class CallPlacer {
  private client: twilio.Twilio | null = null;
  private readonly dailyCalls: RLWrapperTimeouts;

  constructor(
    @InjectConfig() private readonly config: PhoneCallsConfig,
    @Inject(REDIS) redis: Redis,
  ) {
    this.dailyCalls = sharedLimiter(redis, {
      keyPrefix: 'voice:calls-placed',
      points: config.VOICE_CALLS_PER_USER_PER_DAY,
      duration: 24 * 3600,
    });
  }

  async place(userId: string, request: PlaceCallRequest): Promise<PlacedCall> {
    const { from, webhook } = this.ready();
    if (!this.config.VOICE_CALL_ALLOWED_PREFIXES.some((prefix) => request.to.startsWith(prefix))) {
      throw new DomainError(ErrorCode.Forbidden, `Calls to ${request.to} are not allowed here`);
    }
    await this.countCall(userId);
    const url = new URL(OUTBOUND_WEBHOOK_PATH, webhook);
    url.search = new URLSearchParams({ userId, purpose: request.purpose }).toString();
    const signal = new AbortController().signal;
    try {
      const call = await this.twilio().calls.create({
        to: request.to,
        from,
        url: url.href,
        method: 'POST',
        timeout: this.config.VOICE_CALL_RING_TIMEOUT_SECONDS,
      });
      return { callSid: call.sid, status: call.status, to: call.to, from: call.from };
    } catch (error) {
      throw mapProviderError(error, 'twilio', signal, twilioErrors);
    }
  }

  private async countCall(userId: string): Promise<void> {
    try {
      await this.dailyCalls.consume(userId);
    } catch (refusal) {
      if (!(refusal instanceof RateLimiterRes)) throw refusal;
      const retryAfterSeconds = Math.ceil(refusal.msBeforeNext / 1000);
      throw new DomainError(
        ErrorCode.RateLimited,
        `You have placed the ${this.config.VOICE_CALLS_PER_USER_PER_DAY} calls allowed in 24 hours; the next is allowed in ${retryAfterSeconds} s`,
        { retryAfterSeconds },
      );
    }
  }

  private ready(): { from: string; webhook: string } {
    const config = this.config;
    if (!config.VOICE_CALLS_ENABLED) {
      throw new DomainError(ErrorCode.ServiceUnavailable, 'Outgoing phone calls are turned off here');
    }
    if (
      !config.TWILIO_ACCOUNT_SID ||
      !config.TWILIO_AUTH_TOKEN ||
      !config.TWILIO_FROM_NUMBER ||
      !config.TWILIO_PUBLIC_BASE_URL
    ) {
      throw new DomainError(
        ErrorCode.ServiceUnavailable,
        'Outgoing phone calls need TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER and TWILIO_PUBLIC_BASE_URL',
      );
    }
    return { from: config.TWILIO_FROM_NUMBER, webhook: config.TWILIO_PUBLIC_BASE_URL };
  }

  private twilio(): twilio.Twilio {
    this.client ??= createTwilioClient({
      accountSid: this.config.TWILIO_ACCOUNT_SID!,
      authToken: this.config.TWILIO_AUTH_TOKEN!,
      ...(this.config.TWILIO_API_BASE_URL ? { apiBaseUrl: this.config.TWILIO_API_BASE_URL } : {}),
      timeoutMs: this.config.VOICE_CALL_API_TIMEOUT_MS,
    });
    return this.client;
  }
}
