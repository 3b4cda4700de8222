import { ConsoleLogger, Logger, type LoggerService } from '@nestjs/common';
import { AuthFailure } from '../core/auth-failure.js';
import { AuthEventsService } from './auth-events.service.js';
import { GatehouseMetrics } from './gatehouse-metrics.js';

/** What Nest's default logger writes while `run` runs, as lines. */
function consoleOutput(run: () => void): string[] {
  let written = '';
  const capture = (chunk: string | Uint8Array) => ((written += String(chunk)), true);
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  try {
    Logger.overrideLogger(new ConsoleLogger({ colors: false, logLevels: ['error', 'warn', 'log', 'debug', 'verbose'] }));
    run();
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
    Logger.overrideLogger(new ConsoleLogger());
  }
  return written.split('\n').filter((line) => line !== '');
}

describe('AuthEventsService logs', () => {
  const events = () => new AuthEventsService(new GatehouseMetrics());

  it("writes each event on one line under Nest's default logger", () => {
    const lines = consoleOutput(() => {
      const service = events();
      service.accepted('http', '10.0.0.1', 'alice');
      service.rejected('ws', new AuthFailure('token_expired', 'Expired token'), { sub: 'bob', address: '10.0.0.2' });
      service.rateLimited('http', { address: '10.0.0.3', retryAfterSeconds: 30 });
      service.addressBlocked('http', { address: '10.0.0.3', failures: 20, windowSeconds: 60 });
      service.refreshed({ sub: 'alice' });
      service.expiryClosed({ sub: 'alice' });
    });
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(
      / VERBOSE \[Auth\] authentication accepted: event=auth_accepted transport=http address=10\.0\.0\.1 sub=alice$/,
    );
    expect(lines[1]).toMatch(
      / LOG \[Auth\] authentication rejected: event=auth_rejected transport=ws reason=token_expired message="Expired token" sub=bob address=10\.0\.0\.2$/,
    );
    expect(lines[2]).toMatch(/ DEBUG \[Auth\] .*event=auth_rate_limited/);
    expect(lines[3]).toMatch(/ WARN \[Auth\] .*event=auth_address_blocked .*failures=20 windowSeconds=60$/);
    expect(lines[4]).toMatch(/ VERBOSE \[Auth\] session refreshed: /);
    expect(lines[5]).toMatch(/ LOG \[Auth\] session expired/);
  });

  it('never logs a refusal above warn, nor an acceptance above verbose', () => {
    const levels: Record<string, string[]> = { error: [], fatal: [], warn: [], log: [], debug: [], verbose: [] };
    const recorder = Object.fromEntries(
      Object.keys(levels).map((level) => [level, (message: { event: string }) => levels[level].push(message.event)]),
    ) as unknown as LoggerService;
    Logger.overrideLogger(recorder);
    try {
      const service = events();
      service.accepted('http', '10.0.0.1', 'alice');
      for (const reason of ['token_missing', 'signature_invalid', 'token_expired'] as const)
        service.rejected('http', new AuthFailure(reason, 'x'));
      service.rateLimited('http', { address: '10.0.0.3', retryAfterSeconds: 30 });
      service.addressBlocked('http', { address: '10.0.0.3', failures: 20, windowSeconds: 60 });
    } finally {
      Logger.overrideLogger(new ConsoleLogger());
    }
    expect(levels.error).toEqual([]);
    expect(levels.fatal).toEqual([]);
    expect(levels.verbose).toEqual(['auth_accepted']);
    expect([...levels.warn, ...levels.log, ...levels.debug]).toHaveLength(5);
  });

  it('hands structured loggers (nestjs-pino, custom) the fields as an object', () => {
    const received: unknown[] = [];
    Logger.overrideLogger({ log: (message: unknown) => received.push(message), warn: () => undefined, error: () => undefined });
    try {
      events().rejected('http', new AuthFailure('sub_invalid', "Missing or invalid 'sub' claim"), { address: '::1' });
    } finally {
      Logger.overrideLogger(new ConsoleLogger());
    }
    expect(received).toEqual([
      {
        msg: 'authentication rejected',
        event: 'auth_rejected',
        transport: 'http',
        reason: 'sub_invalid',
        message: "Missing or invalid 'sub' claim",
        address: '::1',
      },
    ]);
  });
});
