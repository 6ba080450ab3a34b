import type { DataIngestedEvent, HealthSample, ImportRejection } from '@conduit/contracts';
import { MAX_KEPT_REJECTIONS } from '@conduit/contracts';

interface SourceTally {
  userId: string;
  source: string;
  metrics: Set<string>;
  samples: number;
  from: number;
  to: number;
}

/** What an import has done so far: units read, samples stored per user and source, rejections. */
export class ImportTally {
  processed = 0;
  total: number | null = null;
  samplesStored = 0;
  rejectedCount = 0;
  readonly rejections: ImportRejection[] = [];
  private readonly bySource = new Map<string, SourceTally>();

  reject(item: string, reason: string): void {
    this.rejectedCount += 1;
    if (this.rejections.length < MAX_KEPT_REJECTIONS) this.rejections.push({ item, reason });
  }

  stored(userId: string, samples: readonly HealthSample[]): void {
    this.samplesStored += samples.length;
    for (const sample of samples) {
      const key = `${userId}\u0000${sample.source}`;
      let tally = this.bySource.get(key);
      if (!tally) {
        tally = {
          userId,
          source: sample.source,
          metrics: new Set(),
          samples: 0,
          from: Infinity,
          to: -Infinity,
        };
        this.bySource.set(key, tally);
      }
      tally.metrics.add(sample.metric);
      tally.samples += 1;
      tally.from = Math.min(tally.from, Date.parse(sample.startAt));
      tally.to = Math.max(tally.to, Date.parse(sample.endAt));
    }
  }

  ingestedEvents(importId: string): DataIngestedEvent[] {
    return [...this.bySource.values()].map((t) => ({
      importId,
      userId: t.userId,
      source: t.source,
      metrics: [...t.metrics].sort(),
      samples: t.samples,
      from: new Date(t.from).toISOString(),
      to: new Date(t.to).toISOString(),
    }));
  }
}
