import { z } from 'zod';
import {
  BATCH_ENDPOINT,
  DomainError,
  ErrorCode,
  MAX_CUSTOM_ID_CHARS,
  OpenAiChatRequestSchema,
  type OpenAiChatRequest,
} from '@conduit/contracts';

/** One non-blank line of a request file: its 1-based number and its JSON object. */
export interface RequestFileLine {
  line: number;
  json: Record<string, unknown>;
}

/** A line that is a request this platform runs. */
export interface BatchRequestLine {
  line: number;
  customId: string;
  body: OpenAiChatRequest;
}

/** A line that is JSON but no request: it is answered in the batch's error file. */
export interface InvalidRequestLine {
  line: number;
  customId: string | null;
  message: string;
}

const RequestLineSchema = z.strictObject({
  custom_id: z.string().min(1).max(MAX_CUSTOM_ID_CHARS),
  method: z.literal('POST', 'method must be POST'),
  url: z.literal(BATCH_ENDPOINT, `url must be ${BATCH_ENDPOINT}`),
  body: OpenAiChatRequestSchema.refine((body) => !body.stream, {
    message: 'streaming is not available in a batch',
    path: ['stream'],
  }),
});

const invalidFile = (message: string, line?: number) =>
  new DomainError(ErrorCode.ValidationFailed, message, line === undefined ? undefined : { line });

/**
 * Reads an uploaded request file: UTF-8 JSONL, every non-blank line a JSON object, custom_ids unique,
 * at most `maxRequests` lines. Anything else refuses the whole file (VALIDATION_FAILED naming the line),
 * so no file is ever kept half usable. Whether each object is a valid request is decided per line later.
 */
export function readRequestFile(data: Uint8Array, maxRequests: number): RequestFileLine[] {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    throw invalidFile('The file is not UTF-8 text');
  }
  const lines: RequestFileLine[] = [];
  const customIds = new Map<string, number>();
  const physical = text.split('\n');
  for (const [index, raw] of physical.entries()) {
    const source = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (source.trim() === '') continue;
    const line = index + 1;
    let json: unknown;
    try {
      json = JSON.parse(source);
    } catch {
      throw invalidFile(`Line ${line} is not valid JSON: the file must be JSONL, one request per line`, line);
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json))
      throw invalidFile(`Line ${line} is not a JSON object`, line);
    const record = json as Record<string, unknown>;
    if (typeof record.custom_id === 'string') {
      const earlier = customIds.get(record.custom_id);
      if (earlier !== undefined)
        throw invalidFile(
          `Line ${line} repeats the custom_id of line ${earlier}: custom_ids must be unique`,
          line,
        );
      customIds.set(record.custom_id, line);
    }
    lines.push({ line, json: record });
    if (lines.length > maxRequests) throw invalidFile(`The file has more than ${maxRequests} requests`, line);
  }
  if (lines.length === 0) throw invalidFile('The file has no requests');
  return lines;
}

/** The request a line holds, or why it holds none. */
export function parseRequestLine({ line, json }: RequestFileLine): BatchRequestLine | InvalidRequestLine {
  const parsed = RequestLineSchema.safeParse(json);
  if (parsed.success) return { line, customId: parsed.data.custom_id, body: parsed.data.body };
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  return {
    line,
    customId: typeof json.custom_id === 'string' ? json.custom_id : null,
    message: `Line ${line} is not a valid request: ${where}${issue?.message ?? 'invalid'}`,
  };
}

export const isValidRequestLine = (line: BatchRequestLine | InvalidRequestLine): line is BatchRequestLine =>
  !('message' in line);
