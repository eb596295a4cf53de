import { Controller, Get, Post } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { Access, Public } from './access.decorators.js';
import { httpRoutesOf, RouteAccess, UndeclaredRoutesError } from './route-access.js';

@Controller('api/v1/things')
class DeclaredController {
  @Get()
  @Public()
  list(): string[] {
    return [];
  }

  @Post(':id/archive')
  @Access({ roles: ['admin'], scopes: ['admin'] })
  archive(): void {}
}

@Controller('api/v1/forgotten')
class ForgetfulController {
  @Get(':id')
  get(): string {
    return 'anyone?';
  }
}

@Controller('health')
class RuntimeLikeHealth {
  @Get('live')
  live(): string {
    return 'ok';
  }
}

describe('route declarations', () => {
  it('lists each HTTP route with its full path and declaration', () => {
    expect(
      httpRoutesOf([DeclaredController, ForgetfulController, RuntimeLikeHealth]).map(({ method, path, access }) => ({
        method,
        path,
        access,
      })),
    ).toEqual([
      { method: 'GET', path: '/api/v1/things', access: { kind: 'public', signIn: false } },
      {
        method: 'POST',
        path: '/api/v1/things/:id/archive',
        access: { kind: 'credential', roles: ['admin'], scopes: ['admin'] },
      },
      { method: 'GET', path: '/api/v1/forgotten/:id', access: undefined },
      { method: 'GET', path: '/health/live', access: { kind: 'public', signIn: false } }, // declared in RUNTIME_ROUTE_ACCESS
    ]);
  });

  it('refuses to start an application with a route that declares nothing, naming it', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [DiscoveryModule],
      controllers: [DeclaredController, ForgetfulController],
      providers: [RouteAccess],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await expect(app.init()).rejects.toThrow(UndeclaredRoutesError);
    await expect(app.init()).rejects.toThrow('GET /api/v1/forgotten/:id (ForgetfulController.get)');
    await app.close();
  });

  it('starts when every route declares its access', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [DiscoveryModule],
      controllers: [DeclaredController],
      providers: [RouteAccess],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    expect(app.get(RouteAccess).of(DeclaredController.prototype.archive)).toEqual({
      kind: 'credential',
      roles: ['admin'],
      scopes: ['admin'],
    });
    await app.close();
  });

  it('needs roles or scopes in @Access()', () => {
    expect(() => Access({})).toThrow('@Access() needs roles, scopes or both');
  });
});
