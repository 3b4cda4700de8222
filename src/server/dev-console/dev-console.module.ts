import { Module } from '@nestjs/common';
import { DevConsoleController } from './dev-console.controller.js';

/**
 * GET /dev, the development console (docs/protocol.md §13.2). The server imports it only
 * in insecure mode outside production; elsewhere its routes are not registered at all,
 * so /dev answers as any unknown route does: 401 without a valid token, 404 with one.
 */
@Module({ controllers: [DevConsoleController] })
export class DevConsoleModule {}
