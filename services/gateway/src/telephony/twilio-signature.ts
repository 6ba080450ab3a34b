import twilio from 'twilio';
import { DomainError, ErrorCode } from '@conduit/contracts';

/**
 * Whether `signature` (X-Twilio-Signature) is Twilio's signature of `url` (the public URL Twilio
 * requested, query string included) and the form `params`, made with the account's auth token.
 */
export function isSignedByTwilio(
  authToken: string,
  signature: string | undefined,
  url: string,
  params: Record<string, string>,
): boolean {
  return !!signature && twilio.validateRequest(authToken, signature, url, params);
}

/** Refuses (FORBIDDEN) a webhook request that {@link isSignedByTwilio} does not accept. */
export function checkTwilioSignature(
  authToken: string,
  signature: string | undefined,
  url: string,
  params: Record<string, string>,
): void {
  if (!isSignedByTwilio(authToken, signature, url, params)) {
    throw new DomainError(ErrorCode.Forbidden, 'The request is not signed by Twilio');
  }
}
