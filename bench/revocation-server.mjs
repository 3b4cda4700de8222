// The Gatehouse server for bench/revocation-bench.mjs: dist's AppModule, configured by
// the environment as main.js does, with revocation turned off when BENCH_REVOCATION=off
// (the one thing the environment cannot say), so that on and off differ in nothing else.
// Nest's logger is off in both.
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { GatehouseWsAdapter } from '../dist/index.js';
import { AppModule } from '../dist/server/app.module.js';
import { parseServerEnvironment } from '../dist/server/config/server-settings.js';

const { options, server } = parseServerEnvironment(process.env);
const gatehouse = process.env.BENCH_REVOCATION === 'off' ? { ...options, revocation: false } : options;
const app = await NestFactory.create(AppModule.forRoot(gatehouse, server), new FastifyAdapter(), { logger: false });
app.useWebSocketAdapter(new GatehouseWsAdapter(app));
await app.listen(server.port, server.host);
const stop = () => app.close().then(() => process.exit(0), () => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
