import { Body, Controller, Get, Module, Post } from '@nestjs/common';
import { GatehouseModule, Public } from '../../src/index.js';

// A base controller whose routes two controllers inherit, one of them @Public(): each
// keeps its own decision, whichever is asked first (test/inherited-routes.e2e-spec.ts).

abstract class BaseController {
  @Get()
  list() {
    return { items: [] };
  }

  @Post()
  add(@Body() body: { text?: string }) {
    return { added: body.text ?? null };
  }
}

@Public()
@Controller('open')
class OpenController extends BaseController {}

@Controller('closed')
class ClosedController extends BaseController {}

@Module({
  imports: [GatehouseModule.forRoot({ mode: 'insecure', failureLimit: false })],
  controllers: [OpenController, ClosedController],
})
export class InheritedRoutesModule {}
