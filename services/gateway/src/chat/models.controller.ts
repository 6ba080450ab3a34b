import { Controller, Get, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { Bus } from '@conduit/bus';
import { ChatContract, ModelInfoSchema } from '@conduit/contracts';
import { ApiRoute } from '../http/api-route.decorator';
import { CurrentPrincipal } from '../identity/current-principal.decorator';
import type { Principal } from '../identity/principal';
import { callerContextOf } from './caller-context';

@Controller('api/v1/models')
export class ModelsController {
  constructor(private readonly bus: Bus) {}

  @Get()
  @ApiRoute({
    summary: 'Models in the catalog, with context window, prices and availability',
    tag: 'chat',
    response: z.object({ models: z.array(ModelInfoSchema) }),
  })
  list(@CurrentPrincipal() principal: Principal, @Req() req: FastifyRequest) {
    return this.bus.request(ChatContract.listModels, {}, callerContextOf(principal, req.headers));
  }
}
