import { Controller } from '@nestjs/common';
import { HandleRequest } from '@conduit/bus';
import { HealthDataContract, type ResponseOf } from '@conduit/contracts';

/** Answers on the bus, so a caller can tell this service is reachable there (HTTP has /healthz). */
@Controller()
export class HealthHandler {
  @HandleRequest(HealthDataContract.checkHealth)
  check(): ResponseOf<typeof HealthDataContract.checkHealth> {
    return { service: 'health-data', status: 'ok' };
  }
}
