import { LiveGateway } from './live.gateway.js';
import { LiveHandlers } from './live.handlers.js';
import { LiveHub } from './live-hub.js';
import { LiveSocketAdapter } from './live-socket-adapter.js';

/** Live updates over WebSocket at /api/v1/ws (README, "Live updates"), registered in the gateway module. */
export const LIVE_UPDATES = {
  controllers: [LiveHandlers],
  providers: [LiveSocketAdapter, LiveHub, LiveGateway],
} as const;
export { LiveHub } from './live-hub.js';
