import { createServer, type Server } from 'node:http';
import { Inject, Injectable, Logger, Module, type DynamicModule, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { httpPlatform } from '../platform/platform.js';
import { GatehouseMetrics } from '../observability/gatehouse-metrics.js';
import { installHttpMetrics } from './http-metrics.hook.js';
import { MetricsController } from './metrics.controller.js';

export interface GatehouseMetricsOptions {
  /**
   * Serve /metrics on a listener of its own on this port instead of the app's (what
   * the server does in production, so the public listener never shows it).
   */
  readonly port?: number;
  readonly host?: string;
}

const METRICS_OPTIONS = Symbol('GATEHOUSE_METRICS_OPTIONS');

/** Times every HTTP request, and runs the separate /metrics listener when asked. */
@Injectable()
export class MetricsInstaller implements OnModuleInit, OnModuleDestroy {
  private listener: Server | undefined;

  constructor(
    @Inject(HttpAdapterHost) private readonly host: HttpAdapterHost,
    @Inject(GatehouseMetrics) private readonly metrics: GatehouseMetrics,
    @Inject(METRICS_OPTIONS) private readonly options: GatehouseMetricsOptions,
  ) {}

  async onModuleInit(): Promise<void> {
    // Builds the registry now (it loads prom-client, an optional peer): a missing package stops the app at startup.
    const registry = this.metrics.registry;
    const platform = httpPlatform(this.host.httpAdapter);
    if (platform !== undefined) installHttpMetrics(platform, this.metrics);
    if (this.options.port === undefined) return;
    const listener = createServer((request, response) => {
      if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found\n');
        return;
      }
      registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' }).end(text),
        () => response.writeHead(500).end(),
      );
    });
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject).listen(this.options.port, this.options.host ?? '0.0.0.0', () => resolve());
    });
    this.listener = listener;
    new Logger('Metrics').log(`metrics at http://${this.options.host ?? '0.0.0.0'}:${this.options.port}/metrics`);
  }

  async onModuleDestroy(): Promise<void> {
    await new Promise<void>((resolve) => (this.listener ? this.listener.close(() => resolve()) : resolve()));
  }
}

/** Prometheus metrics: GET /metrics on the app, or on a port of its own. */
@Module({})
export class GatehouseMetricsModule {
  static forRoot(options: GatehouseMetricsOptions = {}): DynamicModule {
    return {
      module: GatehouseMetricsModule,
      controllers: options.port === undefined ? [MetricsController] : [],
      providers: [{ provide: METRICS_OPTIONS, useValue: options }, MetricsInstaller],
    };
  }
}
