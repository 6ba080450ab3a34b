import { Module } from '@nestjs/common';
import { ConnectorsController } from './connectors.controller';

/** Connected third-party accounts, relayed to the agents service. */
@Module({
  controllers: [ConnectorsController],
})
export class ConnectorsModule {}
