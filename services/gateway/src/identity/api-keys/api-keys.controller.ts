import { Body, Controller, Delete, Get, Param, Post } from '@nestjs/common';
import { ApiRoute } from '../../http/api-route.decorator';
import type { AuthenticatedCaller } from '../caller-context';
import { Caller } from '../caller.decorator';
import {
  ApiKeyIdParamsSchema,
  ApiKeyListSchema,
  CreateApiKeyBodySchema,
  CreatedApiKeySchema,
} from './api-key.schemas';
import type { ApiKeyIdParams, ApiKeyList, CreateApiKeyBody, CreatedApiKey } from './api-key.schemas';
import { ApiKeyService } from './api-key.service';

const TAG = 'api-keys';

@Controller('api/v1/api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeyService) {}

  @Post()
  @ApiRoute({
    summary: 'Create an API key; the key is shown only in this answer',
    tag: TAG,
    body: CreateApiKeyBodySchema,
    response: CreatedApiKeySchema,
    successStatus: 201,
  })
  create(@Caller() caller: AuthenticatedCaller, @Body() body: CreateApiKeyBody): Promise<CreatedApiKey> {
    return this.apiKeys.create(caller.userId, body.name, body.limits);
  }

  @Get()
  @ApiRoute({ summary: 'List your active API keys', tag: TAG, response: ApiKeyListSchema })
  async list(@Caller() caller: AuthenticatedCaller): Promise<ApiKeyList> {
    return { data: await this.apiKeys.list(caller.userId) };
  }

  @Delete(':id')
  @ApiRoute({
    summary: 'Revoke an API key; it stops working at once',
    tag: TAG,
    params: ApiKeyIdParamsSchema,
    produces: 'none',
    successStatus: 204,
  })
  revoke(@Caller() caller: AuthenticatedCaller, @Param() params: ApiKeyIdParams): Promise<void> {
    return this.apiKeys.revoke(caller.userId, params.id);
  }
}
