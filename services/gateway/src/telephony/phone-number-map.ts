import { z } from 'zod';
import { PhoneNumberSchema } from '@conduit/contracts';

/**
 * TWILIO_NUMBERS: `+15551230001=<user id>,+15551230002=<user id>` — which platform user owns each of the
 * operator's phone numbers (a number has one owner; a user may have several numbers).
 */
export const phoneNumberMap = z.string().transform((text, context) => {
  const owners = new Map<string, string>();
  for (const entry of text.split(',').map((part) => part.trim())) {
    if (entry === '') continue;
    const [number = '', userId = '', ...rest] = entry.split('=').map((part) => part.trim());
    const parsedNumber = PhoneNumberSchema.safeParse(number);
    const parsedUser = z.uuid().safeParse(userId);
    if (rest.length > 0 || !parsedNumber.success || !parsedUser.success) {
      context.addIssue({ code: 'custom', message: `"${entry}" is not <E.164 number>=<user id>` });
      return z.NEVER;
    }
    if (owners.has(number)) {
      context.addIssue({ code: 'custom', message: `${number} is listed twice` });
      return z.NEVER;
    }
    owners.set(number, userId);
  }
  return owners as ReadonlyMap<string, string>;
});
