import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerAuthentication } from 'smtp-server';

/** A message the server accepted: the envelope and the MIME as mailparser reads it. */
export interface SmtpReceived {
  /** Envelope sender (MAIL FROM) and recipients (RCPT TO). */
  from: string;
  to: string[];
  /** The user that signed in with AUTH, if any. */
  user?: string;
  raw: string;
  parsed: ParsedMail;
  subject?: string;
  text?: string;
  html?: string;
  messageId?: string;
  inReplyTo?: string;
  references: string[];
}

/** Where in the SMTP dialogue a scripted failure answers: the greeting, MAIL FROM, RCPT TO or the end of DATA. */
export type SmtpStage = 'connect' | 'mail' | 'rcpt' | 'data';

export interface SmtpFailure {
  /** The reply code, e.g. 421 (service closing), 451 (local error, try later), 550 (mailbox unavailable). */
  code: number;
  /** Default: 'connect' for 421, 'rcpt' for 550, 'data' otherwise. */
  stage?: SmtpStage;
  message?: string;
}

export interface SmtpStandinOptions {
  /** Require AUTH (PLAIN or LOGIN) with these credentials. */
  auth?: { user: string; password: string };
}

/**
 * A real SMTP server (the smtp-server package) on 127.0.0.1 at a free port, no TLS: records every message it
 * accepts, parsed with mailparser, and answers scripted failures (421, 451, 550...) at a chosen stage.
 */
export class SmtpStandin {
  readonly host = '127.0.0.1';
  /** Every accepted message, in order. */
  readonly received: SmtpReceived[] = [];
  /** Every scripted failure answered, in order. */
  readonly refused: Array<{ code: number; stage: SmtpStage }> = [];
  private readonly failures: Array<Required<Pick<SmtpFailure, 'code' | 'stage'>> & { message: string }> = [];
  private readonly failing = new Map<string, SmtpStandin['failures'][number]>();
  private server!: SMTPServer;
  private portNumber = 0;

  private constructor(private readonly options: SmtpStandinOptions) {}

  static async start(options: SmtpStandinOptions = {}): Promise<SmtpStandin> {
    const standin = new SmtpStandin(options);
    await standin.listen();
    return standin;
  }

  get port(): number {
    return this.portNumber;
  }

  /** An smtp:// URL for a mail client (with the credentials when AUTH is required). */
  get url(): string {
    const auth = this.options.auth
      ? `${encodeURIComponent(this.options.auth.user)}:${encodeURIComponent(this.options.auth.password)}@`
      : '';
    return `smtp://${auth}${this.host}:${this.portNumber}`;
  }

  /**
   * The next session reaching `stage` fails there with `code` (every recipient of it, at 'rcpt'); `times`
   * sessions in a row.
   */
  failNext(failure: SmtpFailure | number, times = 1): this {
    const { code, stage, message } = typeof failure === 'number' ? { code: failure } : failure;
    const at = stage ?? (code === 421 ? 'connect' : code === 550 ? 'rcpt' : 'data');
    for (let i = 0; i < times; i++) this.failures.push({ code, stage: at, message: message ?? defaultMessage(code) });
    return this;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** The scripted failure for this stage of this session: taken once, then repeated for the session's other recipients. */
  private take(stage: SmtpStage, sessionId: string): Error | undefined {
    let failure = this.failing.get(sessionId);
    if (failure?.stage !== stage) {
      const index = this.failures.findIndex((f) => f.stage === stage);
      if (index < 0) return undefined;
      failure = this.failures.splice(index, 1)[0]!;
      this.failing.set(sessionId, failure);
      this.refused.push({ code: failure.code, stage });
    }
    return Object.assign(new Error(failure.message), { responseCode: failure.code });
  }

  private async listen(): Promise<void> {
    const { auth } = this.options;
    this.server = new SMTPServer({
      secure: false,
      disabledCommands: auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
      authOptional: !auth,
      allowInsecureAuth: true,
      logger: false,
      // Connections still open at close() (a client's pool) are ended after this, not after 30 s.
      closeTimeout: 500,
      onConnect: (session, callback) => callback(this.take('connect', session.id) ?? null),
      onAuth(credentials: SMTPServerAuthentication, _session, callback) {
        if (credentials.username === auth?.user && credentials.password === auth?.password)
          return callback(null, { user: credentials.username });
        return callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
      },
      onMailFrom: (_address, session, callback) => {
        // A new transaction (a pooled connection sends many): the last one's failure is over.
        this.failing.delete(session.id);
        callback(this.take('mail', session.id) ?? null);
      },
      onRcptTo: (_address, session, callback) => callback(this.take('rcpt', session.id) ?? null),
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('error', callback);
        stream.on('end', () => {
          const refusal = this.take('data', session.id);
          if (refusal) return callback(refusal);
          const raw = Buffer.concat(chunks);
          simpleParser(raw)
            .then((parsed) => {
              const references = parsed.references;
              this.received.push({
                from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
                to: session.envelope.rcptTo.map((r) => r.address),
                ...(typeof session.user === 'string' ? { user: session.user } : {}),
                raw: raw.toString('utf8'),
                parsed,
                subject: parsed.subject,
                text: parsed.text,
                html: typeof parsed.html === 'string' ? parsed.html : undefined,
                messageId: parsed.messageId,
                inReplyTo: parsed.inReplyTo,
                references: references === undefined ? [] : Array.isArray(references) ? references : [references],
              });
              callback();
            })
            .catch(callback);
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, this.host, () => resolve());
    });
    this.portNumber = (this.server.server.address() as AddressInfo).port;
  }
}

function defaultMessage(code: number): string {
  if (code === 421) return 'Service not available, closing transmission channel';
  if (code === 451) return 'Requested action aborted: local error in processing';
  if (code === 550) return 'Requested action not taken: mailbox unavailable';
  return code >= 500 ? 'Permanent failure' : 'Temporary failure, try again later';
}
