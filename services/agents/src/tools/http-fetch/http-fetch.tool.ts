import type { Dispatcher } from 'undici';
import { z } from 'zod';
import type { AgentTool, ToolContext, ToolOutput } from '../agent-tool';
import { toolFailure } from '../tool-failures';
import { safeFetch, type SafeFetchLimits } from './safe-fetch';

export const HTTP_FETCH_TOOL = 'http_fetch';

const HttpFetchInputSchema = z.strictObject({
  url: z
    .url({ protocol: /^https?$/ })
    .max(4_000)
    .describe('An http or https URL on the public internet'),
});
type HttpFetchInput = z.output<typeof HttpFetchInputSchema>;

/**
 * Fetches a public web page or API response for the model (off unless AGENTS_HTTP_FETCH_ENABLED):
 * HTML comes back as plain text, other text as it is, binary content only described.
 */
export class HttpFetchTool implements AgentTool<HttpFetchInput> {
  readonly name = HTTP_FETCH_TOOL;
  readonly description =
    'Fetches a public http(s) URL with GET and returns its status and text (HTML converted to plain text, long bodies cut).';
  readonly input = HttpFetchInputSchema as z.ZodType<HttpFetchInput>;

  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly limits: SafeFetchLimits,
  ) {}

  async run(input: HttpFetchInput, context: ToolContext): Promise<ToolOutput> {
    const outcome = await safeFetch(input.url, this.dispatcher, this.limits, context.signal);
    if (!outcome.ok) return toolFailure(outcome.code, outcome.message);
    const { ok: _ok, ...output } = outcome;
    return { ok: true, output };
  }
}
