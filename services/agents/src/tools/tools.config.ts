import { z } from 'zod';
import { ImageModelIdSchema } from '@conduit/contracts';
import { configFields } from '@conduit/service-kit';
import { AddressAllowListSchema } from '../outbound/address-policy';

/** The built-in tools' settings; part of the service's config (config.ts extends it). */
export const BuiltInToolsConfigSchema = z.object({
  /** Longest a built-in tool waits for the service it asks (search, health data); then `TIMEOUT`. */
  AGENTS_TOOL_TIMEOUT_MS: configFields.milliseconds(15_000),
  /** The collection `remember` keeps notes in (created for a user on first use) and `search_documents` finds them in. */
  AGENTS_NOTES_COLLECTION: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/)
    .refine((name) => name !== 'chat', 'the chat collection is reserved')
    .default('agent-notes'),
  /** The model `generate_image` asks media-gen for. */
  AGENTS_IMAGE_MODEL: ImageModelIdSchema.default('offline/placeholder-image'),
  /** Longest `generate_image` waits for its job to finish; the job goes on, the tool answers `TIMEOUT` with its id. */
  AGENTS_IMAGE_TIMEOUT_MS: configFields.milliseconds(120_000),
  /** `http_fetch` fetches public web pages for agents; off unless set to true. */
  AGENTS_HTTP_FETCH_ENABLED: z.stringbool().default(false),
  /** Longest one fetch may take, redirects and body included. */
  AGENTS_HTTP_FETCH_TIMEOUT_MS: configFields.milliseconds(10_000),
  /** Largest body read; a longer one is cut there and marked `truncated`. */
  AGENTS_HTTP_FETCH_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(50 * 1024 * 1024)
    .default(1024 * 1024),
  /** Redirects followed; each one is checked like the first address. */
  AGENTS_HTTP_FETCH_MAX_REDIRECTS: z.coerce.number().int().min(0).max(20).default(5),
  /**
   * Addresses or CIDR ranges `http_fetch` may reach although they are private, loopback or link-local
   * (an internal proxy; the tests' loopback servers), comma separated. Empty by default: only public
   * unicast addresses are reached.
   */
  AGENTS_HTTP_FETCH_ALLOWED_ADDRESSES: AddressAllowListSchema,
});
export type BuiltInToolsConfig = z.infer<typeof BuiltInToolsConfigSchema>;
