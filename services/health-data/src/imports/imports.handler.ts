import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { BusContext, HandleRequest } from '@conduit/bus';
import {
  DomainError,
  ErrorCode,
  HealthDataContract,
  requireUserId,
  type HealthImport,
  type ParsedRequestOf,
} from '@conduit/contracts';
import { ImportRepository } from './import.repository';
import { ImportWatchService } from './import-watch.service';

@Controller()
export class ImportsHandler {
  constructor(
    private readonly imports: ImportRepository,
    private readonly watch: ImportWatchService,
  ) {}

  /**
   * The caller's import. One accepted while the service was away shows once the service has taken it
   * from the stream; until then, and for anyone else's, NOT_FOUND.
   */
  @HandleRequest(HealthDataContract.getImport)
  async get(
    @Payload() payload: ParsedRequestOf<typeof HealthDataContract.getImport>,
    @Ctx() ctx: BusContext,
  ): Promise<HealthImport> {
    const found = await this.imports.find(requireUserId(ctx.envelope), payload.id);
    if (!found) throw new DomainError(ErrorCode.NotFound, 'No such import', { id: payload.id });
    const { userId: _owner, attempts: _attempts, ...visible } = found;
    return visible;
  }

  @HandleRequest(HealthDataContract.watchImport)
  async start(
    @Payload() payload: ParsedRequestOf<typeof HealthDataContract.watchImport>,
    @Ctx() ctx: BusContext,
  ) {
    const userId = requireUserId(ctx.envelope);
    await this.watch.watch({ ...ctx.caller, userId }, payload.importId, payload.streamId);
    return { streamId: payload.streamId, importId: payload.importId };
  }
}
