import { createHash } from 'node:crypto';

const MAX_TOOL_NAME = 64;
const SEPARATOR = '__';

/**
 * The name the model calls a server's tool by: `<server>__<tool>`, within the providers' limit
 * (`^[a-zA-Z0-9_-]{1,64}$`). Characters tools may not have become `_`; a name too long is cut and
 * ends with a digest of the full one, so two long names of one server stay apart.
 */
export function prefixedToolName(serverName: string, toolName: string): string {
  const safe = toolName.replace(/[^a-zA-Z0-9_-]/g, '_') || 'tool';
  const full = `${serverName}${SEPARATOR}${safe}`;
  if (full.length <= MAX_TOOL_NAME && safe === toolName) return full;
  const digest = createHash('sha256').update(toolName).digest('hex').slice(0, 8);
  const room = MAX_TOOL_NAME - serverName.length - SEPARATOR.length - digest.length - 1;
  return `${serverName}${SEPARATOR}${safe.slice(0, room)}_${digest}`;
}
