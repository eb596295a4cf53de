// A WebSocket client for the live-updates suites: every frame it got, parsed, and how it closed.
import { waitFor } from '@vigil/testing';
import { WebSocket, type ClientOptions } from 'ws';

export type Frame = Record<string, unknown> & { type: string };

export class LiveClient {
  readonly frames: Frame[] = [];
  closed?: { code: number; reason: string };
  pings = 0;
  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => this.frames.push(JSON.parse(data.toString()) as Frame));
    socket.on('close', (code, reason) => (this.closed = { code, reason: reason.toString() }));
    socket.on('ping', () => this.pings++);
    socket.on('error', () => undefined);
  }

  /** Opens a socket to `baseUrl`'s /api/v1/ws; `token` goes in Authorization: Bearer on the upgrade. */
  static async open(baseUrl: string, token?: string, options: ClientOptions = {}): Promise<LiveClient> {
    const url = `${baseUrl.replace(/^http/, 'ws')}/api/v1/ws`;
    const socket = new WebSocket(url, {
      ...options,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...options.headers },
    });
    const client = new LiveClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return client;
  }

  /** Opens, authenticates on the upgrade and waits for the `authenticated` frame. */
  static async signedIn(baseUrl: string, token: string): Promise<LiveClient> {
    const client = await LiveClient.open(baseUrl, token);
    await client.next((f) => f.type === 'authenticated', 'authenticated');
    return client;
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Subscribes and waits for the answer (subscribed or error) to this subscription. */
  async subscribe(topic: string, extra: Record<string, unknown> = {}): Promise<Frame> {
    const from = this.frames.length;
    this.send({ type: 'subscribe', topic, ...extra });
    return this.next(
      (f) => (f.type === 'subscribed' || f.type === 'error') && f.topic === topic && f.id === extra.id,
      `the answer to subscribe ${topic}`,
      from,
    );
  }

  /** The first frame from index `from` on that matches. */
  async next(match: (frame: Frame) => boolean, what: string, from = 0): Promise<Frame> {
    return waitFor(() => this.frames.slice(from).find(match), {
      what: `${what} (frames: ${JSON.stringify(this.frames.slice(-5))})`,
    });
  }

  /** Event frames of a topic. */
  events(topic?: string): Frame[] {
    return this.frames.filter((f) => f.type === 'event' && (topic === undefined || f.topic === topic));
  }

  async closedWith(): Promise<{ code: number; reason: string }> {
    return waitFor(() => this.closed, { what: 'the socket to close' });
  }

  close(): void {
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING)
      this.socket.terminate();
  }
}
