import { Bus } from '@conduit/bus';
import { CollectionNameSchema, SearchContract } from '@conduit/contracts';
import { z } from 'zod';
import type { AgentTool, ToolContext, ToolOutput } from '../agent-tool';
import { callService } from '../tool-failures';

export const SEARCH_DOCUMENTS_TOOL = 'search_documents';
const MAX_RESULTS = 20;

const SearchDocumentsInputSchema = z.strictObject({
  query: z.string().trim().min(1).max(2_000).describe('What to look for, in words'),
  collection: CollectionNameSchema.optional().describe(
    "One collection to search; every one of the user's collections when left out",
  ),
  limit: z.number().int().min(1).max(MAX_RESULTS).default(5).describe('Passages to return'),
});
type SearchDocumentsInput = z.output<typeof SearchDocumentsInputSchema>;

/** Hybrid search (keywords and embeddings) over the user's documents and notes in the search service. */
export class SearchDocumentsTool implements AgentTool<SearchDocumentsInput> {
  readonly name = SEARCH_DOCUMENTS_TOOL;
  readonly description =
    "Searches the user's documents and saved notes and returns the best-matching passages with their titles and collections.";
  readonly input = SearchDocumentsInputSchema as z.ZodType<SearchDocumentsInput>;

  constructor(
    private readonly bus: Bus,
    private readonly timeoutMs: number,
  ) {}

  run(input: SearchDocumentsInput, context: ToolContext): Promise<ToolOutput> {
    return callService('search', context.signal, async () => {
      const answer = await this.bus.request(
        SearchContract.query,
        {
          query: input.query,
          mode: 'hybrid',
          topK: input.limit,
          ...(input.collection ? { collection: input.collection } : {}),
        },
        { userId: context.userId },
        { timeoutMs: this.timeoutMs },
      );
      return {
        results: answer.results.map((result) => ({
          documentId: result.documentId,
          title: result.title,
          collection: result.collection,
          score: result.score,
          text: result.snippet,
        })),
      };
    });
  }
}
