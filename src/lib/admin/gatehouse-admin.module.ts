import { Module, type DynamicModule, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { ConfigurationError } from '../options/configuration-error.js';
import { ADMIN_KEY_DIGEST, AdminGate } from './admin-gate.js';
import { MIN_ADMIN_KEY_LENGTH, digestOf } from './admin-key.js';
import { RevocationsController } from './revocations.controller.js';

export interface GatehouseAdminOptions {
  /** The key callers send as `Authorization: Bearer <key>`: at least 32 characters, random. */
  readonly apiKey: string;
}

/**
 * The admin API (docs/protocol.md §11): POST, GET and DELETE /admin/revocations,
 * behind an API key. Optional: import it only when you want the API served (the
 * server does when ADMIN_API_KEY is set). Needs GatehouseModule.
 */
@Module({})
export class GatehouseAdminModule implements NestModule {
  /** The key is checked before anything else on the admin routes, whichever HTTP platform serves them. */
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(AdminGate).forRoutes(RevocationsController);
  }

  static forRoot(options: GatehouseAdminOptions): DynamicModule {
    const key = options?.apiKey;
    if (typeof key !== 'string' || key.length < MIN_ADMIN_KEY_LENGTH) {
      throw new ConfigurationError([`apiKey has to be at least ${MIN_ADMIN_KEY_LENGTH} characters long`]);
    }
    return {
      module: GatehouseAdminModule,
      controllers: [RevocationsController],
      providers: [{ provide: ADMIN_KEY_DIGEST, useValue: digestOf(key) }, AdminGate],
    };
  }
}
