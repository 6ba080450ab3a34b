import { Module } from '@nestjs/common';
import { MemoryController } from './memory.controller';

/** Long-term memory, relayed to the search service. */
@Module({ controllers: [MemoryController] })
export class MemoryModule {}
