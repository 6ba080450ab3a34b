import { z } from 'zod';
import {
  AcceptedDocumentSchema,
  DocumentBatchSchema,
  DocumentInputSchema,
  FileSubmissionSchema,
} from '@conduit/contracts';

/** One document, or a batch of up to 1,000 under `documents`. */
export const DocumentSubmissionSchema = z.union([DocumentBatchSchema, DocumentInputSchema]);
export type DocumentSubmission = z.output<typeof DocumentSubmissionSchema>;

/** One document: its id and status; a batch: the ids, in the order given. */
export const DocumentSubmissionResponseSchema = z.union([
  AcceptedDocumentSchema,
  z.object({ ids: z.array(z.uuid()) }),
]);

export const DocumentIdParamSchema = z.strictObject({ id: z.uuid() });

/** The text fields of a file upload, as the OpenAPI document describes them (the form is read by hand). */
export const FileFormFieldsSchema = FileSubmissionSchema.pick({
  title: true,
  source: true,
  date: true,
  collection: true,
}).extend({ tags: z.string().optional().describe('comma-separated, or the field repeated') });
