import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { describeAuthorization } from '../../index.js';

export const DOCS_PATH = 'api/docs';
export const BEARER = 'bearer';

/**
 * The OpenAPI description at /api/docs (UI) and /api/docs/json. Served by Fastify
 * directly, not by a controller, so the global token guard never sees it: public.
 */
export function setUpApiDocs(app: NestFastifyApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Gatehouse')
    .setDescription(
      'JWT authentication for REST and WebSocket. Every route needs `Authorization: Bearer <token>` unless it says otherwise; ' +
        'every failure is a 401 with a stable `reason`. The WebSocket protocol (ws://HOST:PORT/ws) is described in docs/protocol.md.',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, BEARER)
    .build();
  // Each route's scopes, roles and policies (docs/authorization.md), from its decorators.
  const document = describeAuthorization(app, SwaggerModule.createDocument(app, config), { securityName: BEARER });
  // Operational endpoints, not the API: scrapers need no description.
  delete document.paths['/metrics'];
  SwaggerModule.setup(DOCS_PATH, app, document, { jsonDocumentUrl: `${DOCS_PATH}/json`, raw: ['json'] });
}
