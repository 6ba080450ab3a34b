import { Controller } from '@nestjs/common';
import { HandleRequest } from '@conduit/bus';
import { VoiceContract, type ResponseOf } from '@conduit/contracts';

/** Answers on the bus, so a caller can tell this service is reachable there (HTTP has /healthz). */
@Controller()
export class HealthHandler {
  @HandleRequest(VoiceContract.checkHealth)
  check(): ResponseOf<typeof VoiceContract.checkHealth> {
    return { service: 'voice', status: 'ok' };
  }
}
