import { z } from 'zod';

/**
 * The messages Twilio sends on a bidirectional media stream (`<Connect><Stream>`). Only the fields
 * used are checked; Twilio's others are let through. Events not listed here (`dtmf`, new ones) are
 * read as {@link OtherMessageSchema} and ignored.
 */
const ConnectedSchema = z.looseObject({ event: z.literal('connected') });
const StartSchema = z.looseObject({
  event: z.literal('start'),
  streamSid: z.string().min(1),
  start: z.looseObject({
    streamSid: z.string().min(1),
    callSid: z.string().min(1),
    customParameters: z.record(z.string(), z.string()).optional(),
    mediaFormat: z.looseObject({ encoding: z.string(), sampleRate: z.number(), channels: z.number() }),
  }),
});
const MediaSchema = z.looseObject({
  event: z.literal('media'),
  media: z.looseObject({
    /** Bidirectional streams carry the caller's audio only (`inbound`). */
    track: z.string().optional(),
    payload: z.base64(),
  }),
});
const MarkSchema = z.looseObject({ event: z.literal('mark'), mark: z.looseObject({ name: z.string() }) });
const StopSchema = z.looseObject({ event: z.literal('stop') });
const KNOWN_EVENTS = ['connected', 'start', 'media', 'mark', 'stop'] as const;
const OtherMessageSchema = z.looseObject({
  event: z.string().refine((event) => !(KNOWN_EVENTS as readonly string[]).includes(event)),
});

export const TwilioStreamMessageSchema = z.union([
  ConnectedSchema,
  StartSchema,
  MediaSchema,
  MarkSchema,
  StopSchema,
  OtherMessageSchema,
]);
export type TwilioStreamMessage = z.infer<typeof TwilioStreamMessageSchema>;
export type TwilioStreamStart = z.infer<typeof StartSchema>;

/** What the gateway sends back: reply audio, a `mark` after it, and `clear` on barge-in. */
export type TwilioStreamReply =
  | { event: 'media'; streamSid: string; media: { payload: string } }
  | { event: 'mark'; streamSid: string; mark: { name: string } }
  | { event: 'clear'; streamSid: string };

/** The media format Twilio streams in: μ-law, 8 kHz, mono. */
export function isPhoneAudio(start: TwilioStreamStart): boolean {
  const { encoding, sampleRate, channels } = start.start.mediaFormat;
  return encoding === 'audio/x-mulaw' && sampleRate === 8_000 && channels === 1;
}
