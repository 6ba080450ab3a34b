import { z } from 'zod';
import { configFields } from '@conduit/service-kit';

/** A comma-separated list of number prefixes (`+1555,+4420`): `+` and digits. */
const prefixList = z
  .string()
  .transform((text) =>
    text
      .split(',')
      .map((prefix) => prefix.trim())
      .filter((prefix) => prefix !== ''),
  )
  .pipe(z.array(z.string().regex(/^\+[0-9]{1,14}$/, 'must be + and digits, such as +1555')));

/** Outgoing phone calls (`voice.call.place`, the agents' `place_call` tool) through Twilio's REST API. */
export const PhoneCallsConfigSchema = z.object({
  /** Off unless `true`: asked to call, the service answers SERVICE_UNAVAILABLE. */
  VOICE_CALLS_ENABLED: z.stringbool().default(false),
  /** Numbers that may be called start with one of these; empty allows none. */
  VOICE_CALL_ALLOWED_PREFIXES: prefixList.prefault(''),
  /**
   * Calls one user may place in 24 hours (counted in Redis for every replica, from the first of them):
   * a tool that dials out costs money, and an agent in a loop must not run up a phone bill.
   */
  VOICE_CALLS_PER_USER_PER_DAY: z.coerce.number().int().min(1).max(100_000).default(20),
  /** How long Twilio lets the callee's phone ring before giving up. */
  VOICE_CALL_RING_TIMEOUT_SECONDS: z.coerce.number().int().min(5).max(600).default(30),
  /** Longest wait for Twilio's API to create a call. */
  VOICE_CALL_API_TIMEOUT_MS: configFields.milliseconds(10_000),
  TWILIO_ACCOUNT_SID: z.string().min(1).optional(),
  TWILIO_AUTH_TOKEN: z.string().min(1).optional(),
  /** The account's number calls are placed from (E.164). */
  TWILIO_FROM_NUMBER: z.string().min(1).optional(),
  /** The https origin Twilio reaches the gateway at: an answered call fetches its TwiML from there. */
  TWILIO_PUBLIC_BASE_URL: z.url().optional(),
  /** Twilio's REST API origin; set for a local stand-in (tests). */
  TWILIO_API_BASE_URL: z.url().optional(),
});
export type PhoneCallsConfig = z.infer<typeof PhoneCallsConfigSchema>;
