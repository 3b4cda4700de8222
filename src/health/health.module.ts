import { Module } from '@nestjs/common';
import { KeySourceModule } from '../auth/key-set/key-source.module.js';
import { HealthController } from './health.controller.js';

@Module({ imports: [KeySourceModule], controllers: [HealthController] })
export class HealthModule {}
