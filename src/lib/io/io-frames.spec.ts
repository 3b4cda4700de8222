import { frameOfPacket } from './io-frames.js';

describe('frameOfPacket', () => {
  it('the event and its first argument; an ack callback is not data', () => {
    expect(frameOfPacket(['auth', { token: 't' }])).toEqual({ event: 'auth', data: { token: 't' } });
    expect(frameOfPacket(['whoami'])).toEqual({ event: 'whoami', data: undefined });
    const ack = () => undefined;
    // the acknowledgement travels beside the data: a refused message is answered there
    expect(frameOfPacket(['whoami', ack])).toEqual({ event: 'whoami', data: undefined, ack });
    expect(frameOfPacket(['join', { room: 'a' }, ack])).toEqual({ event: 'join', data: { room: 'a' }, ack });
    expect(frameOfPacket(['note', 'a', 'b'])).toEqual({ event: 'note', data: 'a' });
  });

  it('an event name that is not a non-empty string is not a frame', () => {
    expect(frameOfPacket([7, 'x'])).toBeUndefined();
    expect(frameOfPacket(['', 'x'])).toBeUndefined();
    expect(frameOfPacket([])).toBeUndefined();
  });
});
