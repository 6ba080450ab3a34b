import type { HealthImportKind, HealthSample } from '@conduit/contracts';

/** Samples written alike. */
export interface SampleBatch {
  samples: HealthSample[];
  /** Each record in it is a whole new revision of that record (see SampleWriteOptions.replaceRecords). */
  replaceRecords: boolean;
}

/** One all-or-nothing part of an import: a file, or one user's summaries from a webhook. */
export interface SampleUnit {
  /** What it is, for rejections and progress: `ride.fit`, `dailies of garmin user 42`. */
  item: string;
  userId: string;
  batches: SampleBatch[];
}

/** What an importer is handed: the content, and where its results go. */
export interface ImportSink {
  readonly importId: string;
  readonly kind: HealthImportKind;
  /** The user who sent it; null for Garmin webhooks (their summaries name their users). */
  readonly ownerId: string | null;
  readonly filename: string | null;
  /** The whole content, read when asked. */
  content(): Promise<Uint8Array>;
  /** Writes the content to a file as it is read (an export of hundreds of MB), never whole in memory. */
  saveContent(path: string): Promise<void>;
  /**
   * Stores a unit in one transaction. Samples that cannot be stored (impossible values, future dates)
   * are rejected one by one and the rest stored; a unit with none left stores nothing.
   */
  write(unit: SampleUnit): Promise<void>;
  /** Records a record or file that was not stored, and why; `wholeUnit` when it was a unit (progress). */
  reject(item: string, reason: string, wholeUnit?: boolean): void;
  /** How many units there are in all, once known (progress). */
  setTotal(total: number): void;
}

/** Reads an import's content into units. Throws {@link ImportFailure} when none of it can be read. */
export type Importer = (sink: ImportSink) => Promise<void>;

/** The import cannot be ingested at all (not a FIT file, a zip that cannot be opened): fails for good. */
export class ImportFailure extends Error {
  override readonly name = 'ImportFailure';
}
