import { Controller, Get, Query } from '@nestjs/common';
import { Bus } from '@conduit/bus';
import { UsageContract, UsageSummarySchema } from '@conduit/contracts';
import { ApiRoute } from '../http/api-route.decorator';
import type { AuthenticatedCaller } from '../identity/caller-context';
import { Caller } from '../identity/caller.decorator';
import { UsageQuerySchema, type UsageQuery } from './usage-query.schema';

@Controller('api/v1/usage')
export class UsageController {
  constructor(private readonly bus: Bus) {}

  @Get()
  @ApiRoute({
    summary:
      'Your usage (calls, tokens, characters, seconds, images, steps, cost in USD) in a range, in total and by UTC day, model, API key and service',
    tag: 'usage',
    query: UsageQuerySchema,
    response: UsageSummarySchema,
  })
  summarize(@Query() query: UsageQuery, @Caller() caller: AuthenticatedCaller) {
    return this.bus.request(UsageContract.summarizeUsage, query, caller);
  }
}
