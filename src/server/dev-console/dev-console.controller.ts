import { readFile } from 'node:fs/promises';
import { Controller, Get, Header, Inject, NotFoundException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../../index.js';
import { GATEHOUSE_SETTINGS, type GatehouseSettings } from '../../internal.js';

// The development console of docs/protocol.md §13.2: a static page and its script, the
// built gatehouse/client, and the few settings the page needs to mint tokens the server
// accepts. No route here mints anything: the page makes unsigned (alg: none) tokens
// itself, which is all insecure mode asks for.

const PAGE = new URL('./page/', import.meta.url);

// dist/client/gatehouse-client.js: next to dist/server when running the build, and
// under dist/ from the sources (tests that run src/ with tsx or vitest).
const CLIENT_CANDIDATES = [
  new URL('../../client/gatehouse-client.js', import.meta.url),
  new URL('../../../dist/client/gatehouse-client.js', import.meta.url),
];

/** What the page needs to mint tokens and explain timings. */
export interface ConsoleSettings {
  readonly namespace: readonly string[];
  readonly namespaceSetting: string | null;
  readonly clockTolerance: number;
  readonly wsPath: string;
  readonly expiryNoticeSeconds: number;
}

@Public()
@ApiExcludeController()
@Controller('dev')
export class DevConsoleController {
  constructor(@Inject(GATEHOUSE_SETTINGS) private readonly settings: GatehouseSettings) {}

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  page(): Promise<string> {
    return readFile(new URL('index.html', PAGE), 'utf8');
  }

  @Get('console.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  script(): Promise<string> {
    return readFile(new URL('console.js', PAGE), 'utf8');
  }

  @Get('console.css')
  @Header('Content-Type', 'text/css; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  style(): Promise<string> {
    return readFile(new URL('console.css', PAGE), 'utf8');
  }

  @Get('client.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  async client(): Promise<string> {
    for (const candidate of CLIENT_CANDIDATES) {
      const source = await readFile(candidate, 'utf8').catch(() => undefined);
      // Without its source map line: the map is not served, and devtools would ask for it.
      if (source !== undefined) return source.replace(/\n\/\/# sourceMappingURL=.*$/, '\n');
    }
    throw new NotFoundException('dist/client/gatehouse-client.js is missing: run "npm run build"');
  }

  @Get('settings.json')
  @Header('Cache-Control', 'no-store')
  consoleSettings(): ConsoleSettings {
    const { auth, ws } = this.settings;
    const jwt = auth.mode === 'custom' ? undefined : auth;
    return {
      namespace: jwt?.namespace ?? [],
      namespaceSetting: jwt?.namespaceSetting ?? null,
      clockTolerance: jwt?.clockTolerance ?? 0,
      wsPath: ws === false ? '/ws' : ws.path,
      expiryNoticeSeconds: ws === false ? 30 : ws.expiryNoticeSeconds,
    };
  }
}
