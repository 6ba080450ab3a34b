import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { BusContext, HandleRequest } from '@conduit/bus';
import {
  DomainError,
  ErrorCode,
  HealthDataContract,
  requireUserId,
  type GarminConnection,
  type ParsedRequestOf,
} from '@conduit/contracts';
import { GarminConnectionRepository, type GarminLink } from './garmin-connection.repository';

const visible = (link: GarminLink): GarminConnection => ({
  garminUserId: link.garminUserId,
  hasAccessToken: link.hasAccessToken,
  createdAt: link.createdAt.toISOString(),
});

/** The caller's link to a Garmin Health API user (the token is kept, never shown). */
@Controller()
export class GarminHandler {
  constructor(private readonly connections: GarminConnectionRepository) {}

  @HandleRequest(HealthDataContract.connectGarmin)
  async connect(
    @Payload() input: ParsedRequestOf<typeof HealthDataContract.connectGarmin>,
    @Ctx() ctx: BusContext,
  ): Promise<GarminConnection> {
    const userId = requireUserId(ctx.envelope);
    return visible(await this.connections.connect(userId, input.garminUserId, input.accessToken ?? null));
  }

  @HandleRequest(HealthDataContract.getGarminConnection)
  async get(@Ctx() ctx: BusContext): Promise<GarminConnection> {
    const found = await this.connections.findByUser(requireUserId(ctx.envelope));
    if (!found) throw new DomainError(ErrorCode.NotFound, 'No Garmin account is linked');
    return visible(found);
  }

  @HandleRequest(HealthDataContract.disconnectGarmin)
  async disconnect(@Ctx() ctx: BusContext): Promise<{ disconnected: boolean }> {
    return { disconnected: await this.connections.disconnect(requireUserId(ctx.envelope)) };
  }
}
