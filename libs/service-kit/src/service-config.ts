import { DynamicModule, Global, Inject, Module } from '@nestjs/common';

/** The service's parsed configuration (what `startService` was given), injectable everywhere. */
export const SERVICE_CONFIG = Symbol('SERVICE_CONFIG');
/** The service's name: its queue group, metrics label and default database schema. */
export const SERVICE_NAME = Symbol('SERVICE_NAME');

/** Injects the service's configuration: `constructor(@InjectConfig() config: ChatConfig)`. */
export const InjectConfig = (): ReturnType<typeof Inject> => Inject(SERVICE_CONFIG);

/** Provides {@link SERVICE_CONFIG} and {@link SERVICE_NAME} to the whole application. */
@Global()
@Module({})
export class ServiceConfigModule {
  static forService(service: string, config: object): DynamicModule {
    return {
      module: ServiceConfigModule,
      providers: [
        { provide: SERVICE_CONFIG, useValue: config },
        { provide: SERVICE_NAME, useValue: service },
      ],
      exports: [SERVICE_CONFIG, SERVICE_NAME],
    };
  }
}
