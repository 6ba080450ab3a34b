import { Body, Controller, Delete, Get, Param, Put } from '@nestjs/common';
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
import { ApiRoute } from '../http/api-route.decorator';
import type { AuthenticatedCaller } from '../identity/caller-context';
import { Caller } from '../identity/caller.decorator';
import { ApiKeyOwnership } from './api-key-ownership';

const TAG = 'budgets';
const ApiKeyRefSchema = z.strictObject({ apiKeyId: z.uuid() });
type ApiKeyRef = z.output<typeof ApiKeyRefSchema>;

/**
 * Spending limits per user and per API key, enforced by every metered service before each call. Reading works with
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
  list(@Caller() caller: AuthenticatedCaller) {
    return this.bus.request(UsageContract.listBudgets, {}, caller);
  }

  @Put('user')
  @ApiRoute({
    summary: 'Set your own budget: USD and/or tokens per UTC day or month (replaces the previous one)',
    tag: TAG,
    body: BudgetLimitsSchema,
    response: BudgetSchema,
  })
  setOwn(@Body() body: BudgetLimits, @Caller() caller: AuthenticatedCaller) {
    return this.set(caller, { scope: 'user' }, body);
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
    @Caller() caller: AuthenticatedCaller,
  ) {
    assertAccessToken(caller);
    await this.keys.assertOwnedActive(caller.userId, params.apiKeyId);
    return this.set(caller, { scope: 'api_key', apiKeyId: params.apiKeyId }, body);
  }

  @Delete('user')
  @ApiRoute({ summary: 'Remove your own budget', tag: TAG, successStatus: 204, produces: 'none' })
  async deleteOwn(@Caller() caller: AuthenticatedCaller) {
    await this.delete(caller, { scope: 'user' });
  }

  @Delete('api-keys/:apiKeyId')
  @ApiRoute({
    summary: 'Remove the budget of one of your API keys',
    tag: TAG,
    params: ApiKeyRefSchema,
    successStatus: 204,
    produces: 'none',
  })
  async deleteForKey(@Param() params: ApiKeyRef, @Caller() caller: AuthenticatedCaller) {
    await this.delete(caller, { scope: 'api_key', apiKeyId: params.apiKeyId });
  }

  private set(caller: AuthenticatedCaller, target: BudgetTarget, limits: BudgetLimits) {
    assertAccessToken(caller);
    return this.bus.request(UsageContract.setBudget, { target, limits }, caller);
  }

  private async delete(caller: AuthenticatedCaller, target: BudgetTarget): Promise<void> {
    assertAccessToken(caller);
    await this.bus.request(UsageContract.deleteBudget, { target }, caller);
  }
}

function assertAccessToken(caller: AuthenticatedCaller): void {
  if (caller.apiKeyId !== null) {
    throw new DomainError(
      ErrorCode.Forbidden,
      'Budgets can only be changed when signed in with an access token, not with an API key',
    );
  }
}
