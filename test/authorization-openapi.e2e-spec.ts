import { Controller, Get, Post } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Authorize, describeAuthorization, GatehouseModule, RequireRoles, RequireScopes } from '../src/index.js';
import { startHostApp } from './support/host-app.js';

// Each route's requirements in the app's OpenAPI document (docs/authorization.md): the
// scopes as the bearer security requirement, roles and policies in words, the 403.

@RequireScopes('notes:read')
@Controller('notes')
class NotesController {
  @Get() list() {}
  @RequireScopes('notes:write') @RequireRoles('editor', 'admin') @Post() create() {}
  @Authorize(() => true) @Get('mine') mine() {}
}

@Controller('plain')
class PlainController {
  @Get() get() {}
}

describe('describeAuthorization', () => {
  it("writes each route's scopes, roles and policy into the document, and leaves other routes alone", async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [GatehouseModule.forRoot({ mode: 'insecure' })],
      controllers: [NotesController, PlainController],
    }).compile();
    const { app } = await startHostApp(moduleRef, 'fastify');
    try {
      const config = new DocumentBuilder().addBearerAuth({ type: 'http', scheme: 'bearer' }, 'bearer').build();
      const document = describeAuthorization(app, SwaggerModule.createDocument(app, config));
      const notes = document.paths['/notes'];
      expect(notes.get?.security).toEqual([{ bearer: ['notes:read'] }]);
      expect(notes.post?.security).toEqual([{ bearer: ['notes:read', 'notes:write'] }]);
      expect(notes.post?.description).toContain('Requires one of the roles editor, admin.');
      expect(notes.post?.responses['403']).toMatchObject({ description: expect.stringContaining('insufficient_scope') });
      expect(document.paths['/notes/mine'].get?.description).toContain('Subject to an authorization policy.');
      expect(document.paths['/plain'].get?.security).toBeUndefined();
    } finally {
      await app.close();
    }
  });
});
