import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { GatehouseOptions } from './options/gatehouse-options.js';

// forRoot(options) / forRootAsync({ imports, inject, useFactory }), the way @nestjs/jwt
// and other Nest modules are configured. The options are checked once, in settings.
export const {
  ConfigurableModuleClass: GatehouseConfigurableModule,
  MODULE_OPTIONS_TOKEN: GATEHOUSE_OPTIONS,
  OPTIONS_TYPE: GATEHOUSE_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: GATEHOUSE_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<GatehouseOptions>({ moduleName: 'Gatehouse' })
  .setClassMethodName('forRoot')
  .setExtras({}, (definition) => ({ ...definition, global: true }))
  .build();
