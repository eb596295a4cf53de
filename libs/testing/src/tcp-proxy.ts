import net from 'node:net';

/**
 * Forwards 127.0.0.1:<port> to a server (RabbitMQ, say): cut() drops every connection and refuses new
 * ones, start() again listens on the same port. An outage of the network between a client and the
 * server, made without touching the server that other suites use.
 *
 * Two finer outages: refuse() drops every connection but keeps listening, closing each new one at
 * once and counting it in `refused` (how often the client tried to come back: an outage measured in
 * attempts, not seconds); holdUpstream() stops passing what the clients send while the server's
 * bytes still reach them (a consumer keeps receiving and handling messages, its acks never arrive).
 */
export class TcpProxy {
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private refusing = false;
  private holding = false;
  private readonly pipes = new Set<{ client: net.Socket; upstream: net.Socket }>();
  port = 0;
  /** Connections closed at once while refusing (see refuse()). */
  refused = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(): Promise<void> {
    this.refusing = false;
    if (this.server) return;
    const server = net.createServer((client) => {
      if (this.refusing) {
        this.refused++;
        client.on('error', () => undefined);
        client.destroy();
        return;
      }
      const upstream = net.connect(this.targetPort, this.targetHost);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => {
          this.sockets.delete(socket);
          // One side gone: the other goes too (a killed client's connection must end at the server).
          client.destroy();
          upstream.destroy();
        });
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      const pipe = { client, upstream };
      this.pipes.add(pipe);
      client.on('close', () => this.pipes.delete(pipe));
      if (!this.holding) client.pipe(upstream);
      else client.on('data', () => undefined);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Drops every connection; until start(), each new one is closed at once and counted in `refused`. */
  refuse(): void {
    if (!this.server) throw new Error('refuse() needs a started proxy');
    this.refusing = true;
    for (const socket of this.sockets) socket.destroy();
  }

  /**
   * From now on, what the clients send is read and thrown away (the connections stay open, the
   * server's bytes still reach the clients). Until the connections end: there is no release.
   */
  holdUpstream(): void {
    this.holding = true;
    for (const { client } of this.pipes) {
      client.unpipe();
      client.on('data', () => undefined);
    }
  }
}
