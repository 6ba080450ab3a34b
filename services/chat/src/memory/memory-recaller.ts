import { Injectable, Logger } from '@nestjs/common';
import { Bus } from '@conduit/bus';
import {
  CallerContext,
  ErrorCode,
  isDomainError,
  MemoryContract,
  MemorySettings,
  MemoryUse,
  RecalledPassage,
} from '@conduit/contracts';
import { InjectConfig } from '@conduit/service-kit';
import type { ChatConfig } from '../config';

export interface Recollection {
  passages: RecalledPassage[];
  use: MemoryUse;
}

/**
 * Asks the search service what a user's memory holds about a turn. It never holds the answer back: a
 * search that is slow or down gives no passages, and the answer's metadata says why.
 */
@Injectable()
export class MemoryRecaller {
  private readonly logger = new Logger(MemoryRecaller.name);

  constructor(
    private readonly bus: Bus,
    @InjectConfig() private readonly config: ChatConfig,
  ) {}

  async recall(
    caller: CallerContext,
    settings: MemorySettings,
    query: string,
    sessionId: string,
  ): Promise<Recollection> {
    try {
      const { passages } = await this.bus.request(
        MemoryContract.recall,
        {
          query: query.slice(0, 4_000),
          topK: this.config.MEMORY_RECALL_TOP_K,
          conversations: true,
          collections: settings.collections,
          excludeSessionId: sessionId,
        },
        caller,
        { timeoutMs: this.config.MEMORY_RECALL_TIMEOUT_MS },
      );
      return {
        passages,
        use: { status: passages.length > 0 ? 'used' : 'none', citations: passages.map(citationOf) },
      };
    } catch (error) {
      const timedOut = isDomainError(error) && error.code === ErrorCode.Timeout;
      if (!timedOut) this.logger.warn(`memory recall failed, answering without: ${String(error)}`);
      return { passages: [], use: { status: timedOut ? 'timeout' : 'unavailable', citations: [] } };
    }
  }
}

function citationOf({ text: _text, ...citation }: RecalledPassage) {
  return citation;
}
