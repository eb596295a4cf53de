import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerAuthentication } from 'smtp-server';

/** A message the server accepted. */
export interface ReceivedMail {
  /** Envelope sender (MAIL FROM) and recipients (RCPT TO). */
  from: string;
  to: string[];
  /** The user that signed in with AUTH, if any. */
  user?: string;
  raw: string;
  subject?: string;
  text?: string;
  html?: string;
  headers: Map<string, unknown>;
}

export interface FakeSmtpOptions {
  /** Require AUTH (PLAIN or LOGIN) with these credentials. */
  auth?: { user: string; password: string };
}

/** A real SMTP server on 127.0.0.1 at a free port (no TLS), recording every message it accepts. */
export class FakeSmtp {
  readonly host = '127.0.0.1';

  private constructor(
    private readonly server: SMTPServer,
    readonly port: number,
    /** Every accepted message, in order. */
    readonly messages: readonly ReceivedMail[],
  ) {}

  static async start(options: FakeSmtpOptions = {}): Promise<FakeSmtp> {
    const messages: ReceivedMail[] = [];
    const server = new SMTPServer({
      secure: false,
      disabledCommands: options.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
      authOptional: !options.auth,
      allowInsecureAuth: true,
      logger: false,
      onAuth(auth: SMTPServerAuthentication, _session, callback) {
        if (auth.username === options.auth?.user && auth.password === options.auth?.password)
          return callback(null, { user: auth.username });
        return callback(new Error('Invalid username or password'));
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('error', callback);
        stream.on('end', () => {
          const raw = Buffer.concat(chunks);
          simpleParser(raw)
            .then((parsed) => {
              messages.push({
                from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
                to: session.envelope.rcptTo.map((r) => r.address),
                ...(typeof session.user === 'string' ? { user: session.user } : {}),
                raw: raw.toString('utf8'),
                subject: parsed.subject,
                text: parsed.text,
                html: typeof parsed.html === 'string' ? parsed.html : undefined,
                headers: parsed.headers,
              });
              callback();
            })
            .catch(callback);
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return new FakeSmtp(server, (server.server.address() as AddressInfo).port, messages);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
