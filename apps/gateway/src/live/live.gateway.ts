import type { IncomingMessage } from 'node:http';
import { WebSocketGateway, type OnGatewayConnection } from '@nestjs/websockets';
import type { WebSocket } from 'ws';
import { LIVE_PATH } from './live-frames.js';
import { LiveHub } from './live-hub.js';

/**
 * The WebSocket endpoint on the gateway's HTTP server. ws refuses a frame past `maxPayload`
 * without reading it; frames up to that size are measured against LIVE_MAX_FRAME_BYTES by the
 * connection, which closes with a reason.
 */
@WebSocketGateway({ path: LIVE_PATH, maxPayload: 131_072 })
export class LiveGateway implements OnGatewayConnection {
  constructor(private readonly hub: LiveHub) {}

  handleConnection(socket: WebSocket, request: IncomingMessage): void {
    this.hub.accept(socket, request);
  }
}
