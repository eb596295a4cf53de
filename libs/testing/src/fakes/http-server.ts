import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as a fake received it. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  /** The body as sent. */
  raw: string;
}

export type Route = (req: IncomingMessage, res: ServerResponse, raw: string) => void | Promise<void>;

/** An HTTP server on 127.0.0.1 at a free port; close() also drops connections kept open (hanging answers). */
export class LocalHttpServer {
  private constructor(
    private readonly server: Server,
    readonly origin: string,
  ) {}

  static async start(route: Route): Promise<LocalHttpServer> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        Promise.resolve(route(req, res, Buffer.concat(chunks).toString('utf8'))).catch((error: Error) => {
          if (!res.headersSent) sendJson(res, 500, { error: { message: error.message } });
          else res.destroy(error);
        });
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    return new LocalHttpServer(server, `http://127.0.0.1:${port}`);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(text);
}

/** The path without its query string. */
export function pathOf(req: IncomingMessage): string {
  return new URL(req.url ?? '/', 'http://fake').pathname;
}
