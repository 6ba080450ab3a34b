import twilio from 'twilio';
import { DomainError, ErrorCode } from '@conduit/contracts';

/**
 * Refuses (FORBIDDEN) a webhook request that does not carry Twilio's signature of `url` (the public URL
 * Twilio requested, query string included) and the form `params`, made with the account's auth token.
 */
export function checkTwilioSignature(
  authToken: string,
  signature: string | undefined,
  url: string,
  params: Record<string, string>,
): void {
  if (!signature || !twilio.validateRequest(authToken, signature, url, params)) {
    throw new DomainError(ErrorCode.Forbidden, 'The request is not signed by Twilio');
  }
}
