import type { IoAdapter } from '@nestjs/platform-socket.io';

// @nestjs/platform-socket.io may bring its own copy of socket.io (it pins an exact
// version): the types are taken from its IoAdapter, so they are those of the Server it
// creates, whichever copy that is. Gatehouse imports no socket.io value itself.

export type IoServer = ReturnType<IoAdapter['createIOServer']>;
export type IoServerOptions = NonNullable<Parameters<IoAdapter['createIOServer']>[1]>;
export type IoNamespace = IoServer['sockets'];
export type IoSocket = NonNullable<ReturnType<IoNamespace['sockets']['get']>>;
/** What a Socket.IO middleware passes to `next` to refuse: the client's connect_error. */
export type IoError = Error & { data?: unknown };
