import type { INestApplicationContext } from '@nestjs/common';
import { METHOD_METADATA } from '@nestjs/common/constants.js';
import { ModulesContainer } from '@nestjs/core';
import { decoratedMethods, requirementsOf, type Requirements } from './requirements.js';

// The authorization decorators in an OpenAPI document (docs/authorization.md): each
// operation whose route requires scopes, roles or a policy gets the scopes as its
// bearer security requirement, the rest in words, and its 403 answer. Written against
// the plain document object, so @nestjs/swagger stays the app's own choice.

interface Operation {
  operationId?: string;
  description?: string;
  security?: Record<string, string[]>[];
  responses?: Record<string, unknown>;
}

/** What is read of an OpenAPI document: its paths (an object of path items). */
export interface OpenApiDocument {
  paths: object;
}

export interface DescribeAuthorizationOptions {
  /** The name of the bearer security scheme in the document (`addBearerAuth(..., name)`; default `bearer`). */
  readonly securityName?: string;
}

const VERBS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/**
 * Adds each route's requirements to `document` (made by SwaggerModule.createDocument with
 * its default operation ids, `Controller_method`), and returns it.
 */
export function describeAuthorization<D extends OpenApiDocument>(
  app: INestApplicationContext,
  document: D,
  options: DescribeAuthorizationOptions = {},
): D {
  const securityName = options.securityName ?? 'bearer';
  const byOperationId = new Map<string, Requirements>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (abstract new (...args: never[]) => object) | null;
      if (typeof controller !== 'function') continue;
      for (const [name, handler] of decoratedMethods(controller, METHOD_METADATA)) {
        const requirements = requirementsOf(controller, handler);
        if (requirements !== undefined) byOperationId.set(`${controller.name}_${name}`, requirements);
      }
    }
  }
  for (const item of Object.values(document.paths) as Record<string, unknown>[]) {
    for (const verb of VERBS) {
      const operation = item[verb] as Operation | undefined;
      const id = operation?.operationId;
      if (operation === undefined || id === undefined) continue;
      // A versioned operation id ends with `_<version>`.
      const requirements = byOperationId.get(id) ?? byOperationId.get(id.slice(0, id.lastIndexOf('_')));
      if (requirements !== undefined) describe(operation, requirements, securityName);
    }
  }
  return document;
}

function describe(operation: Operation, requirements: Requirements, securityName: string): void {
  operation.security = [{ [securityName]: [...requirements.scopes] }];
  const words: string[] = [];
  if (requirements.scopes.length > 0) words.push(`Requires the scopes ${requirements.scopes.join(', ')}.`);
  for (const roles of requirements.roles) words.push(`Requires one of the roles ${roles.join(', ')}.`);
  if (requirements.policies.length > 0) words.push('Subject to an authorization policy.');
  if (requirements.channels.length > 0) words.push('Only for channels the token allows.');
  operation.description = [operation.description, `**Authorization.** ${words.join(' ')}`].filter(Boolean).join('\n\n');
  operation.responses ??= {};
  operation.responses['403'] ??= {
    description: 'The token is valid but lacks a right: `insufficient_scope` (with the required scopes in WWW-Authenticate) or `forbidden`',
  };
}
