import { Controller, Delete, Get, Param, Post, Query } from '@nestjs/common';
import type { z } from 'zod';
import { Bus } from '@conduit/bus';
import {
  AgentsConnectorsContract,
  AuthorizationCallbackQuerySchema,
  AuthorizationStartSchema,
  ConnectionRefSchema,
  ConnectionSchema,
  ConnectorListSchema,
  ConnectorRefSchema,
  type AuthorizationCallbackQuery,
} from '@conduit/contracts';
import { ApiRoute } from '../http/api-route.decorator';
import type { AuthenticatedCaller } from '../identity/caller-context';
import { Caller } from '../identity/caller.decorator';

const TAG = 'connectors';
type ConnectorRef = z.output<typeof ConnectorRefSchema>;
type ConnectionRef = z.output<typeof ConnectionRefSchema>;

/**
 * Third-party accounts for agents' tools (OAuth 2.0 with PKCE), relayed to the agents service. The
 * callback is called with the user's own credentials: a state is only ever finished by the user who
 * started it.
 */
@Controller('api/v1/connectors')
export class ConnectorsController {
  constructor(private readonly bus: Bus) {}

  @Get()
  @ApiRoute({
    summary: 'The providers that can be connected, and your connections',
    tag: TAG,
    response: ConnectorListSchema,
  })
  list(@Caller() caller: AuthenticatedCaller) {
    return this.bus.request(AgentsConnectorsContract.listConnectors, {}, caller);
  }

  @Post(':provider/authorize')
  @ApiRoute({
    summary: "Start connecting an account: the provider's authorization URL to send the browser to",
    tag: TAG,
    params: ConnectorRefSchema,
    response: AuthorizationStartSchema,
    successStatus: 201,
  })
  authorize(@Param() params: ConnectorRef, @Caller() caller: AuthenticatedCaller) {
    return this.bus.request(AgentsConnectorsContract.authorize, params, caller);
  }

  @Get(':provider/callback')
  @ApiRoute({
    summary: "Finish connecting: the `code` and `state` (or `error`) of the provider's redirect",
    tag: TAG,
    params: ConnectorRefSchema,
    query: AuthorizationCallbackQuerySchema,
    response: ConnectionSchema,
  })
  callback(
    @Param() params: ConnectorRef,
    @Query() query: AuthorizationCallbackQuery,
    @Caller() caller: AuthenticatedCaller,
  ) {
    return this.bus.request(
      AgentsConnectorsContract.completeAuthorization,
      { ...query, provider: params.provider },
      caller,
    );
  }

  @Delete(':connectionId')
  @ApiRoute({
    summary: 'Disconnect: revoke the grant at the provider where it can be, and delete the tokens',
    tag: TAG,
    params: ConnectionRefSchema,
    successStatus: 204,
    produces: 'none',
  })
  async delete(@Param() params: ConnectionRef, @Caller() caller: AuthenticatedCaller) {
    await this.bus.request(AgentsConnectorsContract.deleteConnection, params, caller);
  }
}
