import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { PrismaService } from '../../infra/prisma.service';
import type { AttemptRecord } from './model-router';

/** Stores every provider attempt (model, outcome, duration) for later analysis of fallbacks and failures. */
@Injectable()
export class AttemptRepository {
  private readonly logger = new Logger(AttemptRepository.name);

  constructor(private readonly prisma: PrismaService) {}

  /** Never throws: losing the attempt log must not fail the answer it describes. */
  async record(
    stream: { streamId: string; messageId: string | null; userId: string },
    attempts: AttemptRecord[],
  ): Promise<void> {
    if (attempts.length === 0) return;
    try {
      await this.prisma.generationAttempt.createMany({
        data: attempts.map((attempt) => ({ id: randomUUID(), ...stream, ...attempt })),
      });
    } catch (error) {
      this.logger.error(
        `could not record ${attempts.length} attempt(s) of stream ${stream.streamId}: ${String(error)}`,
      );
    }
  }
}
