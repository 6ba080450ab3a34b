import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { BusContext, HandleRequest } from '@conduit/bus';
import { AgentsConnectorsContract, requireUserId, type ParsedRequestOf } from '@conduit/contracts';
import { ConnectorsService } from './connectors.service';

type Req<K extends keyof typeof AgentsConnectorsContract> = ParsedRequestOf<
  (typeof AgentsConnectorsContract)[K]
>;

/** Connectors and the envelope user's connections. */
@Controller()
export class ConnectorsHandler {
  constructor(private readonly connectors: ConnectorsService) {}

  @HandleRequest(AgentsConnectorsContract.listConnectors)
  list(@Payload() _payload: Req<'listConnectors'>, @Ctx() ctx: BusContext) {
    return this.connectors.list(requireUserId(ctx.envelope));
  }

  @HandleRequest(AgentsConnectorsContract.authorize)
  authorize(@Payload() payload: Req<'authorize'>, @Ctx() ctx: BusContext) {
    return this.connectors.authorize(requireUserId(ctx.envelope), payload.provider);
  }

  @HandleRequest(AgentsConnectorsContract.completeAuthorization)
  complete(@Payload() payload: Req<'completeAuthorization'>, @Ctx() ctx: BusContext) {
    return this.connectors.complete(requireUserId(ctx.envelope), payload);
  }

  @HandleRequest(AgentsConnectorsContract.deleteConnection)
  delete(@Payload() payload: Req<'deleteConnection'>, @Ctx() ctx: BusContext) {
    return this.connectors.delete(requireUserId(ctx.envelope), payload.connectionId);
  }
}
