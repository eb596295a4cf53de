import { Injectable, RequestMethod, type OnApplicationBootstrap, type Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { DiscoveryService } from '@nestjs/core';
import { ACCESS_METADATA, type AccessDeclaration, type PublicAccess } from './access.decorators.js';

export interface HttpRoute {
  method: string;
  /** Express template, e.g. `/api/v1/users/:id`. */
  path: string;
  controller: string;
  handler: string;
  /** The handler function itself (what ExecutionContext.getHandler() returns). */
  target: object;
  /** Undefined: the route declares nothing, which the gateway refuses. */
  access: AccessDeclaration | undefined;
}

const PUBLIC: PublicAccess = { kind: 'public', signIn: false };

/**
 * Routes served by libs/runtime's controllers (health, metrics), which the gateway does not own
 * and so cannot decorate: their declarations live here, checked against docs/access.md like the rest.
 */
export const RUNTIME_ROUTE_ACCESS: Readonly<Record<string, AccessDeclaration>> = {
  'GET /health/live': PUBLIC,
  'GET /health/ready': PUBLIC,
  'GET /metrics': { kind: 'public', signIn: false, metrics: true },
};

function joinPath(...parts: unknown[]): string {
  const segments = parts
    .flatMap((part) => (Array.isArray(part) ? part : [part]))
    .filter((p): p is string => typeof p === 'string');
  const joined = segments
    .map((s) => s.replace(/^\/+|\/+$/g, ''))
    .filter(Boolean)
    .join('/');
  return `/${joined}`;
}

function methodsOf(prototype: object): string[] {
  const names = new Set<string>();
  for (
    let proto: object | null = prototype;
    proto && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto) as object | null
  ) {
    for (const name of Object.getOwnPropertyNames(proto)) if (name !== 'constructor') names.add(name);
  }
  return [...names];
}

/** Every HTTP route of these controllers with its declaration (method-level wins over class-level). */
export function httpRoutesOf(controllers: readonly Type[]): HttpRoute[] {
  const routes: HttpRoute[] = [];
  for (const controller of controllers) {
    const base: unknown = Reflect.getMetadata(PATH_METADATA, controller);
    const prototype = controller.prototype as Record<string, unknown>;
    for (const name of methodsOf(prototype)) {
      const handler = Object.getOwnPropertyDescriptor(prototype, name)?.value ?? prototype[name];
      if (typeof handler !== 'function') continue;
      const method: unknown = Reflect.getMetadata(METHOD_METADATA, handler);
      if (typeof method !== 'number') continue; // not an HTTP route (a bus handler, a helper)
      const path = joinPath(base, Reflect.getMetadata(PATH_METADATA, handler));
      const verb = RequestMethod[method] ?? String(method);
      const declared = (Reflect.getMetadata(ACCESS_METADATA, handler) ??
        Reflect.getMetadata(ACCESS_METADATA, controller)) as AccessDeclaration | undefined;
      routes.push({
        method: verb,
        path,
        controller: controller.name,
        handler: name,
        target: handler,
        access: declared ?? RUNTIME_ROUTE_ACCESS[`${verb} ${path}`],
      });
    }
  }
  return routes;
}

export class UndeclaredRoutesError extends Error {
  override readonly name = 'UndeclaredRoutesError';
  constructor(readonly routes: readonly HttpRoute[]) {
    super(
      `every gateway route must declare its access with @Public(), @SignIn() or @Access(); these do not: ${routes.map((r) => `${r.method} ${r.path} (${r.controller}.${r.handler})`).join(', ')}`,
    );
  }
}

/**
 * The declarations of the running application's routes: the guard reads them per request, and
 * start-up fails when any HTTP route (the gateway's or any module's) declares nothing.
 */
@Injectable()
export class RouteAccess implements OnApplicationBootstrap {
  private routes: HttpRoute[] = [];
  private readonly byHandler = new Map<object, AccessDeclaration | undefined>();

  constructor(private readonly discovery: DiscoveryService) {}

  onApplicationBootstrap(): void {
    const controllers = this.discovery
      .getControllers()
      .map((wrapper) => wrapper.metatype)
      .filter((metatype): metatype is Type => typeof metatype === 'function');
    this.routes = httpRoutesOf(controllers);
    for (const route of this.routes) this.byHandler.set(route.target, route.access);
    const undeclared = this.routes.filter((route) => !route.access);
    if (undeclared.length) throw new UndeclaredRoutesError(undeclared);
  }

  /** All HTTP routes of the application, with their declarations. */
  list(): readonly HttpRoute[] {
    return this.routes;
  }

  /** The declaration of the route a request matched; undefined when it declares nothing. */
  of(handler: object): AccessDeclaration | undefined {
    return this.byHandler.get(handler);
  }
}
