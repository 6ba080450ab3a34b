import { z } from 'zod';
import { AcceptedDocumentSchema, DocumentBatchSchema, DocumentInputSchema } from '@conduit/contracts';

/** One document, or a batch of up to 1,000 under `documents`. */
export const DocumentSubmissionSchema = z.union([DocumentBatchSchema, DocumentInputSchema]);
export type DocumentSubmission = z.output<typeof DocumentSubmissionSchema>;

/** One document: its id and status; a batch: the ids, in the order given. */
export const DocumentSubmissionResponseSchema = z.union([
  AcceptedDocumentSchema,
  z.object({ ids: z.array(z.uuid()) }),
]);

export const DocumentIdParamSchema = z.strictObject({ id: z.uuid() });
