import { Controller } from '@nestjs/common';
import { HandleRequest } from '@conduit/bus';
import { MediaGenContract, type ResponseOf } from '@conduit/contracts';

/** Answers on the bus, so a caller can tell this service is reachable there (HTTP has /healthz). */
@Controller()
export class HealthHandler {
  @HandleRequest(MediaGenContract.checkHealth)
  check(): ResponseOf<typeof MediaGenContract.checkHealth> {
    return { service: 'media-gen', status: 'ok' };
  }
}
