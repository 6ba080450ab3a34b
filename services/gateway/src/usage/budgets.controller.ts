import { Body, Controller, Delete, Get, Param, Put, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { Bus } from '@conduit/bus';
import {
  BudgetLimitsSchema,
  BudgetListSchema,
  BudgetSchema,
  DomainError,
  ErrorCode,
  UsageContract,
  type BudgetLimits,
  type BudgetTarget,
} from '@conduit/contracts';
import { callerContextOf } from '../chat/caller-context';
import { ApiRoute } from '../http/api-route.decorator';
import { CurrentPrincipal } from '../identity/current-principal.decorator';
import type { Principal } from '../identity/principal';
import { ApiKeyOwnership } from './api-key-ownership';

const TAG = 'budgets';
const ApiKeyRefSchema = z.strictObject({ apiKeyId: z.uuid() });
type ApiKeyRef = z.output<typeof ApiKeyRefSchema>;

/**
 * Spending limits per user and per API key, enforced by chat before every completion. Reading works with
 * any credential; changing a budget takes an access token, so an API key cannot lift its own limit.
 */
@Controller('api/v1/budgets')
export class BudgetsController {
  constructor(
    private readonly bus: Bus,
    private readonly keys: ApiKeyOwnership,
  ) {}

  @Get()
  @ApiRoute({
    summary: "Your budgets and your keys' budgets, with this period's spend and when each resets",
    tag: TAG,
    response: BudgetListSchema,
  })
  list(@CurrentPrincipal() principal: Principal, @Req() req: FastifyRequest) {
    return this.bus.request(UsageContract.listBudgets, {}, callerContextOf(principal, req.headers));
  }

  @Put('user')
  @ApiRoute({
    summary: 'Set your own budget: USD and/or tokens per UTC day or month (replaces the previous one)',
    tag: TAG,
    body: BudgetLimitsSchema,
    response: BudgetSchema,
  })
  setOwn(@Body() body: BudgetLimits, @CurrentPrincipal() principal: Principal, @Req() req: FastifyRequest) {
    return this.set(principal, req, { scope: 'user' }, body);
  }

  @Put('api-keys/:apiKeyId')
  @ApiRoute({
    summary: 'Set the budget of one of your API keys (replaces the previous one)',
    tag: TAG,
    params: ApiKeyRefSchema,
    body: BudgetLimitsSchema,
    response: BudgetSchema,
  })
  async setForKey(
    @Param() params: ApiKeyRef,
    @Body() body: BudgetLimits,
    @CurrentPrincipal() principal: Principal,
    @Req() req: FastifyRequest,
  ) {
    assertAccessToken(principal);
    await this.keys.assertOwnedActive(principal.userId, params.apiKeyId);
    return this.set(principal, req, { scope: 'api_key', apiKeyId: params.apiKeyId }, body);
  }

  @Delete('user')
  @ApiRoute({ summary: 'Remove your own budget', tag: TAG, successStatus: 204, produces: 'none' })
  async deleteOwn(@CurrentPrincipal() principal: Principal, @Req() req: FastifyRequest) {
    await this.delete(principal, req, { scope: 'user' });
  }

  @Delete('api-keys/:apiKeyId')
  @ApiRoute({
    summary: 'Remove the budget of one of your API keys',
    tag: TAG,
    params: ApiKeyRefSchema,
    successStatus: 204,
    produces: 'none',
  })
  async deleteForKey(
    @Param() params: ApiKeyRef,
    @CurrentPrincipal() principal: Principal,
    @Req() req: FastifyRequest,
  ) {
    await this.delete(principal, req, { scope: 'api_key', apiKeyId: params.apiKeyId });
  }

  private set(principal: Principal, req: FastifyRequest, target: BudgetTarget, limits: BudgetLimits) {
    assertAccessToken(principal);
    return this.bus.request(
      UsageContract.setBudget,
      { target, limits },
      callerContextOf(principal, req.headers),
    );
  }

  private async delete(principal: Principal, req: FastifyRequest, target: BudgetTarget): Promise<void> {
    assertAccessToken(principal);
    await this.bus.request(UsageContract.deleteBudget, { target }, callerContextOf(principal, req.headers));
  }
}

function assertAccessToken(principal: Principal): void {
  if (principal.apiKeyId !== null) {
    throw new DomainError(
      ErrorCode.Forbidden,
      'Budgets can only be changed when signed in with an access token, not with an API key',
    );
  }
}
