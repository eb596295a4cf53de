import type { Server } from 'node:http';
import { Injectable } from '@nestjs/common';
import { ApplicationConfig, HttpAdapterHost } from '@nestjs/core';
import { WsAdapter } from '@nestjs/platform-ws';

/**
 * The `ws` adapter on the gateway's own HTTP server, installed by the live-updates providers so the
 * gateway needs nothing else to serve WebSockets. Providers are created before the HTTP server is,
 * so the adapter takes the server when Nest asks it for the WebSocket server (at init). Frames are
 * read by LiveConnection, not by Nest's message handlers: the adapter's parser hands them none.
 */
class GatewayWsAdapter extends WsAdapter {
  constructor(private readonly serverOf: () => Server) {
    super(undefined, { messageParser: () => undefined });
  }

  override create(port: number, options?: Record<string, unknown> & { namespace?: string; server?: unknown }) {
    (this as unknown as { httpServer?: Server }).httpServer ??= this.serverOf();
    return super.create(port, options as never);
  }
}

@Injectable()
export class LiveSocketAdapter {
  constructor(applicationConfig: ApplicationConfig, host: HttpAdapterHost) {
    applicationConfig.setIoAdapter(new GatewayWsAdapter(() => host.httpAdapter.getHttpServer() as Server));
  }
}
