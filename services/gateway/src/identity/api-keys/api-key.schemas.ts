import { z } from 'zod';

export const CreateApiKeyBodySchema = z.strictObject({ name: z.string().trim().min(1).max(100) });
export type CreateApiKeyBody = z.infer<typeof CreateApiKeyBodySchema>;

export const ApiKeyIdParamsSchema = z.strictObject({ id: z.uuid() });
export type ApiKeyIdParams = z.infer<typeof ApiKeyIdParamsSchema>;

/** What a listing shows of a key: never the key itself or its hash. */
export const ApiKeyViewSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  displayPrefix: z.string(),
  createdAt: z.iso.datetime(),
  lastUsedAt: z.iso.datetime().nullable(),
});
export type ApiKeyView = z.infer<typeof ApiKeyViewSchema>;

export const ApiKeyListSchema = z.object({ data: z.array(ApiKeyViewSchema) });
export type ApiKeyList = z.infer<typeof ApiKeyListSchema>;

/** The only answer that carries the key; it cannot be shown again. */
export const CreatedApiKeySchema = z.object({
  id: z.uuid(),
  name: z.string(),
  key: z.string(),
  displayPrefix: z.string(),
  createdAt: z.iso.datetime(),
});
export type CreatedApiKey = z.infer<typeof CreatedApiKeySchema>;
