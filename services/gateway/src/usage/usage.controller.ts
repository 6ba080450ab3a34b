import { Controller, Get, Query } from '@nestjs/common';
import type { CallerContext } from '@conduit/contracts';
import { Caller } from '../chat/caller.decorator';
import { Bus } from '@conduit/bus';
import { UsageContract, UsageSummarySchema } from '@conduit/contracts';
import { ApiRoute } from '../http/api-route.decorator';
import { UsageQuerySchema, type UsageQuery } from './usage-query.schema';

@Controller('api/v1/usage')
export class UsageController {
  constructor(private readonly bus: Bus) {}

  @Get()
  @ApiRoute({
    summary:
      'Your usage (completions, tokens, cost in USD) in a range, in total and by UTC day, model and API key',
    tag: 'usage',
    query: UsageQuerySchema,
    response: UsageSummarySchema,
  })
  summarize(@Query() query: UsageQuery, @Caller() caller: CallerContext) {
    return this.bus.request(UsageContract.summarizeUsage, query, caller);
  }
}
