import { Controller } from '@nestjs/common';
import { HandleRequest } from '@conduit/bus';
import { SearchContract, type ResponseOf } from '@conduit/contracts';

/** Answers on the bus, so a caller can tell this service is reachable there (HTTP has /healthz). */
@Controller()
export class HealthHandler {
  @HandleRequest(SearchContract.checkHealth)
  check(): ResponseOf<typeof SearchContract.checkHealth> {
    return { service: 'search', status: 'ok' };
  }
}
