import type { DynamicModule } from '@nestjs/common';
import { loadOptionalPeer } from '../options/optional-peer.js';

type Terminus = typeof import('@nestjs/terminus');

let loaded: Terminus | undefined;
let module: DynamicModule | undefined;

/** @nestjs/terminus, an optional peer: loaded when the app builds GatehouseHealthModule, not when the package is imported. */
export function terminus(): Terminus {
  return (loaded ??= loadOptionalPeer<Terminus>('@nestjs/terminus', 'GatehouseHealthModule'));
}

/** TerminusModule, made once (Nest asks for a forwardRef'd import more than once). */
export function terminusModule(): DynamicModule {
  // Terminus logs a failed check itself; ours are expected states (starting, stopping).
  return (module ??= terminus().TerminusModule.forRoot({ logger: false }));
}
