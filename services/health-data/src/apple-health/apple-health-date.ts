/**
 * Apple Health writes every date as local time with its offset: `2024-03-05 07:12:44 +0100`.
 * Answers the instant in milliseconds since the epoch, or null when the text is not such a date.
 *
 * Read character by character rather than with a regular expression: an export holds two dates per
 * record, millions of them, and the match arrays and their number conversions were a tenth of an
 * import's CPU.
 */
export function parseAppleHealthDate(text: string | undefined): number | null {
  if (text === undefined) return null;
  const date = text.length === DATE_LENGTH ? text : text.trim();
  if (date.length !== DATE_LENGTH) return null;
  for (const [at, char] of SEPARATORS) if (date.charCodeAt(at) !== char) return null;
  const sign = date.charCodeAt(20);
  if (sign !== PLUS && sign !== MINUS) return null;
  const year = digits(date, 0, 4);
  const month = digits(date, 5, 2);
  const day = digits(date, 8, 2);
  const hour = digits(date, 11, 2);
  const minute = digits(date, 14, 2);
  const second = digits(date, 17, 2);
  const offsetHours = digits(date, 21, 2);
  const offsetMinutes = digits(date, 23, 2);
  if (
    year < 0 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > 31 ||
    hour < 0 ||
    hour > 23 ||
    minute < 0 ||
    minute > 59 ||
    second < 0 ||
    second > 60 ||
    offsetHours < 0 ||
    offsetHours > 14 ||
    offsetMinutes < 0 ||
    offsetMinutes > 59
  )
    return null;
  const local = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls 31 February (or 23:59:60 on a month's last day) over into the next month: a date that
  // does not exist is refused instead. Only the days that can roll over need the check.
  if ((day > 28 || second === 60) && new Date(local).getUTCDate() !== day) return null;
  const offsetMs = (offsetHours * 60 + offsetMinutes) * 60_000 * (sign === MINUS ? -1 : 1);
  return local - offsetMs;
}

/** `YYYY-MM-DD HH:MM:SS +HHMM` */
const DATE_LENGTH = 25;
const PLUS = 0x2b;
const MINUS = 0x2d;
const SEPARATORS: ReadonlyArray<readonly [number, number]> = [
  [4, MINUS],
  [7, MINUS],
  [10, 0x20],
  [13, 0x3a],
  [16, 0x3a],
  [19, 0x20],
];

/** The number written by `count` ASCII digits from `from`, or -1 when one of them is not a digit. */
function digits(text: string, from: number, count: number): number {
  let value = 0;
  for (let at = from; at < from + count; at += 1) {
    const digit = text.charCodeAt(at) - 0x30;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}
