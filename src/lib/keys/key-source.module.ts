import { Module } from '@nestjs/common';
import { gatehouseConfig, type GatehouseConfiguration } from '../../server/config/gatehouse.config.js';
import { KeySource } from './key-source.js';
import { RemoteKeySource } from './remote-key-source.js';
import { StaticKeySource } from './static-key-source.js';

/**
 * The one KeySource of the process, chosen from the configuration: the strategy takes
 * its keys from it and /health asks it whether the server is ready.
 */
@Module({
  providers: [
    {
      provide: KeySource,
      inject: [gatehouseConfig.KEY],
      useFactory: ({ auth }: GatehouseConfiguration): KeySource => {
        if (auth.mode !== 'secure') return new StaticKeySource([]);
        const source = auth.keySource;
        return source.kind === 'jwks'
          ? new RemoteKeySource(source.url, auth.algorithms)
          : new StaticKeySource(source.keys);
      },
    },
  ],
  exports: [KeySource],
})
export class KeySourceModule {}
