import { Controller, Get, Query, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Bus } from '@conduit/bus';
import { UsageContract, UsageSummarySchema } from '@conduit/contracts';
import { callerContextOf } from '../chat/caller-context';
import { ApiRoute } from '../http/api-route.decorator';
import { CurrentPrincipal } from '../identity/current-principal.decorator';
import type { Principal } from '../identity/principal';
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
  summarize(
    @Query() query: UsageQuery,
    @CurrentPrincipal() principal: Principal,
    @Req() req: FastifyRequest,
  ) {
    return this.bus.request(UsageContract.summarizeUsage, query, callerContextOf(principal, req.headers));
  }
}
