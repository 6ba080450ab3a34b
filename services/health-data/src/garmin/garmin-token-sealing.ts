import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { GarminConnectionRepository } from './garmin-connection.repository';

/**
 * The migration of Garmin tokens stored in plaintext by earlier versions: at start-up, in the
 * background, each is encrypted with its user's data key and the plaintext cleared. Until then such a
 * token is read as it is, so pulls never stop.
 */
@Injectable()
export class GarminTokenSealing implements OnApplicationBootstrap {
  private readonly logger = new Logger('GarminTokenSealing');

  constructor(@Inject(GarminConnectionRepository) private readonly connections: GarminConnectionRepository) {}

  onApplicationBootstrap(): void {
    this.connections.sealPlaintextTokens().then(
      (count) => {
        if (count > 0) this.logger.log(`encrypted ${count} Garmin access tokens stored in plaintext`);
      },
      (error: unknown) =>
        this.logger.error(`encrypting plaintext Garmin tokens failed: ${(error as Error).message}`),
    );
  }
}
