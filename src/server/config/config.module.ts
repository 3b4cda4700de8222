import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { gatehouseConfig } from './gatehouse.config.js';

@Module({
  imports: [
    ConfigModule.forRoot({
      isGlobal: true,
      // .env in the working directory; a variable set in the real environment wins.
      envFilePath: '.env',
      load: [gatehouseConfig],
    }),
  ],
})
export class GatehouseConfigModule {}
