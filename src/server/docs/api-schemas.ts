import type { SchemaObject } from '@nestjs/swagger';
import { TOKEN_REASONS } from '../../index.js';

// OpenAPI schemas of the contract's JSON shapes (sections 3 and 4), written out here
// because the shapes are interfaces, which leave no metadata for @nestjs/swagger.

export const SESSION_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['sub', 'expiresAt', 'claims', 'authMode'],
  properties: {
    sub: { type: 'string', example: 'alice', description: 'the user id: sub (or legacy user_id) of the claims object' },
    expiresAt: { type: 'integer', nullable: true, example: 1767225600, description: "the token's top-level exp, or null" },
    claims: {
      type: 'object',
      additionalProperties: true,
      description: 'the object AUTH_JWT_NAMESPACE points at, or the whole payload',
    },
    authMode: { type: 'string', enum: ['secure', 'insecure'] },
  },
};

export const UNAUTHORIZED_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['statusCode', 'error', 'reason', 'message'],
  properties: {
    statusCode: { type: 'integer', enum: [401] },
    error: { type: 'string', enum: ['Unauthorized'] },
    reason: { type: 'string', enum: [...TOKEN_REASONS], example: 'token_expired' },
    message: { type: 'string', example: 'Expired token' },
  },
};

export const RATE_LIMITED_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['statusCode', 'error', 'reason', 'message'],
  properties: {
    statusCode: { type: 'integer', enum: [429] },
    error: { type: 'string', enum: ['Too Many Requests'] },
    reason: { type: 'string', enum: ['rate_limited'] },
    message: { type: 'string' },
  },
};

export const WWW_AUTHENTICATE_HEADER = {
  'WWW-Authenticate': {
    description: 'RFC 6750 challenge, e.g. Bearer realm="gatehouse", error="invalid_token", error_description="Expired token"',
    schema: { type: 'string' },
  },
};

export const RETRY_AFTER_HEADER = {
  'Retry-After': { description: 'seconds until the address may try again', schema: { type: 'integer' } },
};
