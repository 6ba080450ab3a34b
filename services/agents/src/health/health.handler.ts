import { Controller } from '@nestjs/common';
import { HandleRequest } from '@conduit/bus';
import { AgentsContract, type ResponseOf } from '@conduit/contracts';

/** Answers on the bus, so a caller can tell this service is reachable there (HTTP has /healthz). */
@Controller()
export class HealthHandler {
  @HandleRequest(AgentsContract.checkHealth)
  check(): ResponseOf<typeof AgentsContract.checkHealth> {
    return { service: 'agents', status: 'ok' };
  }
}
