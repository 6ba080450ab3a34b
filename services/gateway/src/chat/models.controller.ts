import { Controller, Get } from '@nestjs/common';
import { z } from 'zod';
import { Bus } from '@conduit/bus';
import { ChatContract, ModelInfoSchema } from '@conduit/contracts';
import { ApiRoute } from '../http/api-route.decorator';
import type { AuthenticatedCaller } from '../identity/caller-context';
import { Caller } from '../identity/caller.decorator';

@Controller('api/v1/models')
export class ModelsController {
  constructor(private readonly bus: Bus) {}

  @Get()
  @ApiRoute({
    summary: 'Models in the catalog, with context window, prices and availability',
    tag: 'chat',
    response: z.object({ models: z.array(ModelInfoSchema) }),
  })
  list(@Caller() caller: AuthenticatedCaller) {
    return this.bus.request(ChatContract.listModels, {}, caller);
  }
}
