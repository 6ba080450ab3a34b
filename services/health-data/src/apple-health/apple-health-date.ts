/**
 * Apple Health writes every date as local time with its offset: `2024-03-05 07:12:44 +0100`.
 * Answers the instant in milliseconds since the epoch, or null when the text is not such a date.
 */
const APPLE_DATE = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/;

export function parseAppleHealthDate(text: string | undefined): number | null {
  if (text === undefined) return null;
  const match = APPLE_DATE.exec(text.trim());
  if (!match) return null;
  const [, year, month, day, hour, minute, second, , offsetHours, offsetMinutes] = match.map(Number);
  if (
    month! < 1 ||
    month! > 12 ||
    day! < 1 ||
    day! > 31 ||
    hour! > 23 ||
    minute! > 59 ||
    second! > 60 ||
    offsetHours! > 14 ||
    offsetMinutes! > 59
  )
    return null;
  const local = Date.UTC(year!, month! - 1, day!, hour!, minute!, second!);
  // Date.UTC rolls 31 February over into March: a date that does not exist is refused instead.
  if (new Date(local).getUTCDate() !== day) return null;
  const offsetMs = (offsetHours! * 60 + offsetMinutes!) * 60_000 * (match[7] === '-' ? -1 : 1);
  return local - offsetMs;
}
