import 'reflect-metadata';
import { ExecutionContextHost } from '@nestjs/core/internal';
import { WebSocket } from 'ws';
import type { Session } from '../core/session.js';
import { WsConnection, type GatehouseSocket } from './ws-connection.js';
import { WsSessionGuard } from './ws-session.guard.js';

function fakeSocket(session: Session | undefined, deadline: number) {
  const socket = { readyState: WebSocket.OPEN, bufferedAmount: 0, send: vi.fn(), close: vi.fn() };
  const connection = new WsConnection(socket as unknown as GatehouseSocket, 1 << 20);
  connection.session = session;
  connection.deadline = deadline;
  return socket as unknown as GatehouseSocket & { send: ReturnType<typeof vi.fn>; close: ReturnType<typeof vi.fn> };
}

function wsContext(socket: GatehouseSocket) {
  const context = new ExecutionContextHost([socket, {}, 'event']);
  context.setType('ws');
  return context;
}

const alice: Session = { sub: 'alice', expiresAt: null, claims: { sub: 'alice' }, authMode: 'insecure' };

describe('WsSessionGuard', () => {
  const guard = new WsSessionGuard();

  it('lets a live session through', () => {
    const socket = fakeSocket(alice, Date.now() + 10_000);
    expect(guard.canActivate(wsContext(socket))).toBe(true);
    expect(socket.close).not.toHaveBeenCalled();
  });

  it('refuses a socket without a session: auth_required, 4401', () => {
    const socket = fakeSocket(undefined, Number.POSITIVE_INFINITY);
    expect(guard.canActivate(wsContext(socket))).toBe(false);
    expect(JSON.parse(socket.send.mock.calls[0][0] as string)).toMatchObject({ event: 'error', data: { reason: 'auth_required' } });
    expect(socket.close).toHaveBeenCalledWith(4401, 'auth_required');
  });

  it('refuses a session past its deadline even if the expiry timer has not fired: 4001', () => {
    const socket = fakeSocket(alice, Date.now() - 1);
    expect(guard.canActivate(wsContext(socket))).toBe(false);
    expect(socket.close).toHaveBeenCalledWith(4001, 'token_expired');
  });
});
