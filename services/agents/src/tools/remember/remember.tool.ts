import { Bus } from '@conduit/bus';
import { DomainError, ErrorCode, SearchContract, TagSchema } from '@conduit/contracts';
import { z } from 'zod';
import type { AgentTool, ToolContext, ToolOutput } from '../agent-tool';
import { callService } from '../tool-failures';

export const REMEMBER_TOOL = 'remember';

const RememberInputSchema = z.strictObject({
  text: z
    .string()
    .trim()
    .min(1)
    .max(20_000)
    .describe('What to remember, written so it makes sense on its own later'),
  title: z.string().trim().min(1).max(200).optional().describe('A short title'),
  tags: z.array(TagSchema).max(10).optional().describe('Words to group it by'),
});
type RememberInput = z.output<typeof RememberInputSchema>;

/**
 * Keeps a note for the user as a document of their notes collection in the search service (created on
 * first use), where `search_documents` finds it once it is indexed (within seconds). The same call of
 * the same run (a step retried) keeps the one note it kept the first time.
 */
export class RememberTool implements AgentTool<RememberInput> {
  readonly name = REMEMBER_TOOL;
  readonly description =
    "Saves a note to the user's long-term memory (their notes collection), to be found later with search_documents.";
  readonly input = RememberInputSchema as z.ZodType<RememberInput>;

  constructor(
    private readonly bus: Bus,
    private readonly collection: string,
    private readonly timeoutMs: number,
  ) {}

  run(input: RememberInput, context: ToolContext): Promise<ToolOutput> {
    const caller = { userId: context.userId };
    const options = { timeoutMs: this.timeoutMs };
    return callService('search', context.signal, async () => {
      const submit = () =>
        this.bus.request(
          SearchContract.submitDocuments,
          {
            batch: {
              inline: {
                documents: [
                  {
                    text: input.text,
                    collection: this.collection,
                    source: `agent:${context.agentId}`,
                    ...(input.title ? { title: input.title } : {}),
                    ...(input.tags ? { tags: input.tags } : {}),
                    // The run's and call's ids: a call repeated (a retried step) keeps one note.
                    idempotencyKey: `agent-run:${context.runId}:${context.callId}`.slice(0, 255),
                  },
                ],
              },
            },
          },
          caller,
          options,
        );
      let accepted;
      try {
        accepted = await submit();
      } catch (error) {
        if (!(error instanceof DomainError) || error.code !== ErrorCode.NotFound) throw error;
        // The user's first note: their notes collection does not exist yet.
        await this.bus
          .request(SearchContract.createCollection, { name: this.collection }, caller, options)
          .catch((created: unknown) => {
            if (!(created instanceof DomainError) || created.code !== ErrorCode.Conflict) throw created;
          });
        accepted = await submit();
      }
      return { remembered: true, documentId: accepted.documents[0]?.id, collection: this.collection };
    });
  }
}
