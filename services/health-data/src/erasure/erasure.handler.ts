import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { BusContext, HandleRequest } from '@conduit/bus';
import {
  HealthDataContract,
  requireUserId,
  type HealthDataErased,
  type ParsedRequestOf,
} from '@conduit/contracts';
import { ErasureService } from './erasure.service';

/** Erasing the caller's own health data. */
@Controller()
export class ErasureHandler {
  constructor(private readonly erasure: ErasureService) {}

  @HandleRequest(HealthDataContract.eraseData)
  erase(
    @Payload() input: ParsedRequestOf<typeof HealthDataContract.eraseData>,
    @Ctx() ctx: BusContext,
  ): Promise<HealthDataErased> {
    return this.erasure.erase(requireUserId(ctx.envelope), input);
  }
}
