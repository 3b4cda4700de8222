import type { ServerResponse } from 'node:http';

/** Fastify's reply, as far as Gatehouse writes to it (no import of Fastify's types: it is optional). */
interface FastifyLikeReply {
  readonly raw: ServerResponse;
  code(status: number): FastifyLikeReply;
  headers(values: Readonly<Record<string, string>>): FastifyLikeReply;
  send(payload: string): unknown;
}

/** What Nest hands a filter or a hook as the response: Fastify's reply, or Express's (a Node response). */
export type HttpResponse = FastifyLikeReply | ServerResponse;

function isFastifyReply(response: HttpResponse): response is FastifyLikeReply {
  return 'raw' in response && typeof (response as FastifyLikeReply).code === 'function';
}

/**
 * A JSON answer, on either platform. Through Fastify's reply when there is one, so
 * that its onResponse hooks (metrics) see it; Express's response is a Node response,
 * written directly. Nothing is written to a response whose head is already out.
 */
export function writeJson(response: HttpResponse, status: number, headers: Readonly<Record<string, string>>, body: unknown): void {
  const text = JSON.stringify(body);
  const json = { ...headers, 'content-type': 'application/json; charset=utf-8' };
  if (isFastifyReply(response)) {
    if (response.raw.headersSent) return;
    void response.code(status).headers(json).send(text);
    return;
  }
  if (response.headersSent) return;
  response.statusCode = status;
  for (const [name, value] of Object.entries(json)) response.setHeader(name, value);
  response.setHeader('content-length', Buffer.byteLength(text));
  response.end(text);
}

/** Sets headers on either platform's response (the security headers). */
export function setHeaders(response: HttpResponse, headers: Readonly<Record<string, string>>): void {
  if (isFastifyReply(response)) void response.headers(headers);
  else for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
}
