import { frameOfPacket } from './io-frames.js';

describe('frameOfPacket', () => {
  it('the event and its first argument; an ack callback is not data', () => {
    expect(frameOfPacket(['auth', { token: 't' }])).toEqual({ event: 'auth', data: { token: 't' } });
    expect(frameOfPacket(['whoami'])).toEqual({ event: 'whoami', data: undefined });
    expect(frameOfPacket(['whoami', () => undefined])).toEqual({ event: 'whoami', data: undefined });
    expect(frameOfPacket(['note', 'a', 'b'])).toEqual({ event: 'note', data: 'a' });
  });

  it('an event name that is not a non-empty string is not a frame', () => {
    expect(frameOfPacket([7, 'x'])).toBeUndefined();
    expect(frameOfPacket(['', 'x'])).toBeUndefined();
    expect(frameOfPacket([])).toBeUndefined();
  });
});
