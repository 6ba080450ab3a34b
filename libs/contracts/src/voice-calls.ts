import { z } from 'zod';
import { defineRequest } from './definitions';
import { ErrorCode } from './errors';

/**
 * Phone calls: the voice conversation of `/ws/voice` over a Twilio call. Calls come in on the
 * gateway's webhook; the voice service places outgoing ones for agent tools ({@link VoiceCallsContract}).
 */

/** A phone number in E.164 form: `+`, the country code and the number, digits only. */
export const PhoneNumberSchema = z
  .string()
  .regex(/^\+[1-9][0-9]{6,14}$/, 'must be an E.164 phone number such as +15551230001');

/** The reason for an outgoing call, which the voice conversation is told before the callee answers. */
export const CallPurposeSchema = z.string().trim().min(1).max(500);

export const PlaceCallRequestSchema = z.strictObject({
  to: PhoneNumberSchema,
  purpose: CallPurposeSchema,
});
export type PlaceCallRequest = z.infer<typeof PlaceCallRequestSchema>;

export const PlacedCallSchema = z.object({
  /** Twilio's id of the call. */
  callSid: z.string(),
  /** Twilio's status of the call when it was created (`queued`, `ringing`...). */
  status: z.string(),
  to: z.string(),
  from: z.string(),
});
export type PlacedCall = z.infer<typeof PlacedCallSchema>;

export const VoiceCallsContract = {
  placeCall: defineRequest({
    subject: 'voice.call.place',
    request: PlaceCallRequestSchema,
    response: PlacedCallSchema,
    errors: [
      ErrorCode.Forbidden,
      ErrorCode.RateLimited,
      ErrorCode.ServiceUnavailable,
      ErrorCode.ProviderUnavailable,
      ErrorCode.ProviderAuthFailed,
      ErrorCode.ProviderRateLimited,
    ],
  }),
} as const;

/** Close codes of the gateway's Twilio media stream socket (`/ws/twilio/<call token>`). */
export const PhoneStreamCloseCode = {
  /** The call token is unknown, used already or expired. */
  UnknownCallToken: 4404,
  /** The stream's `start` names another call than the token was made for. */
  WrongCall: 4409,
} as const;
