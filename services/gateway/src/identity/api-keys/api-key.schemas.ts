import { z } from 'zod';
import { MAX_CONCURRENT_STREAMS, MAX_REQUESTS_PER_MINUTE } from './api-key-limits';

/** A key's own rate limits; each may only lower the deployment's (checked when the key is created). */
export const ApiKeyLimitsSchema = z.strictObject({
  requestsPerMinute: z.int().min(1).max(MAX_REQUESTS_PER_MINUTE).optional(),
  concurrentStreams: z.int().min(1).max(MAX_CONCURRENT_STREAMS).optional(),
});
export type ApiKeyLimits = z.infer<typeof ApiKeyLimitsSchema>;

export const CreateApiKeyBodySchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  limits: ApiKeyLimitsSchema.optional(),
});
export type CreateApiKeyBody = z.infer<typeof CreateApiKeyBodySchema>;

export const ApiKeyIdParamsSchema = z.strictObject({ id: z.uuid() });
export type ApiKeyIdParams = z.infer<typeof ApiKeyIdParamsSchema>;

/** A key's stored limits; null where the deployment's default applies. */
export const ApiKeyLimitsViewSchema = z.object({
  requestsPerMinute: z.int().nullable(),
  concurrentStreams: z.int().nullable(),
});

/** What a listing shows of a key: never the key itself or its hash. */
export const ApiKeyViewSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  displayPrefix: z.string(),
  createdAt: z.iso.datetime(),
  lastUsedAt: z.iso.datetime().nullable(),
  limits: ApiKeyLimitsViewSchema,
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
  limits: ApiKeyLimitsViewSchema,
});
export type CreatedApiKey = z.infer<typeof CreatedApiKeySchema>;
