import { UseGuards } from '@nestjs/common';
import { WebSocketGateway } from '@nestjs/websockets';
import { WsSessionGuard } from '../../index.js';

/**
 * The server's WebSocket endpoint: Nest serves /ws only for an app that has a gateway.
 * It needs no handler: `auth` and `whoami` are the protocol's own, answered by the
 * adapter (docs/protocol.md §5) in every app alike; guarded events would go here.
 */
@WebSocketGateway()
@UseGuards(WsSessionGuard)
export class SessionGateway {}
