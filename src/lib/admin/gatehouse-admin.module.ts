import {
  Inject,
  Module,
  Optional,
  type DynamicModule,
  type MiddlewareConsumer,
  type NestModule,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { httpPlatform } from '../platform/platform.js';
import { ConfigurationError } from '../options/configuration-error.js';
import { ADMIN_KEY_DIGEST, AdminGate } from './admin-gate.js';
import { MIN_ADMIN_KEY_LENGTH, digestOf } from './admin-key.js';
import { checkAdminKeyBeforeBodies } from './express-admin-gate.js';
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
export class GatehouseAdminModule implements NestModule, OnApplicationBootstrap {
  constructor(
    @Inject(HttpAdapterHost) private readonly host: HttpAdapterHost,
    // Absent when the module is imported without forRoot(): then it serves nothing.
    @Optional() @Inject(AdminGate) private readonly gate: AdminGate | undefined,
  ) {}

  /** The key is checked before anything else on the admin routes, whichever HTTP platform serves them. */
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(AdminGate).forRoutes(RevocationsController);
  }

  /** On Express, also ahead of the body parsers (a Nest middleware runs after them there); routes are registered by now. */
  onApplicationBootstrap(): void {
    const gate = this.gate;
    const platform = httpPlatform(this.host.httpAdapter);
    if (gate !== undefined && platform?.kind === 'express') {
      checkAdminKeyBeforeBodies(platform.app, (request, response, next) => gate.use(request, response, next));
    }
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
