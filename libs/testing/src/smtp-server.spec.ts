import { createTransport } from 'nodemailer';
import { SmtpStandin } from './smtp-server.js';

describe('SmtpStandin, through nodemailer', () => {
  let smtp: SmtpStandin;
  afterEach(() => smtp.close());

  const send = (url: string, to = ['a@example.com']) =>
    createTransport(url).sendMail({
      from: 'vigil@example.com',
      to,
      subject: 'disk full',
      text: 'db-1',
      html: '<p>db-1</p>',
      messageId: '<m2@vigil>',
      inReplyTo: '<m1@vigil>',
      references: ['<m1@vigil>'],
    });

  it('records each accepted message with its envelope and parsed MIME', async () => {
    smtp = await SmtpStandin.start();
    await send(smtp.url, ['a@example.com', 'b@example.com']);
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]).toMatchObject({
      from: 'vigil@example.com',
      to: ['a@example.com', 'b@example.com'],
      subject: 'disk full',
      text: 'db-1',
      html: '<p>db-1</p>',
      messageId: '<m2@vigil>',
      inReplyTo: '<m1@vigil>',
      references: ['<m1@vigil>'],
    });
  });

  it('answers scripted failures once each, then accepts again', async () => {
    smtp = await SmtpStandin.start();
    smtp.failNext(550).failNext(451).failNext({ code: 452, stage: 'mail' });
    const codes = [];
    for (let i = 0; i < 3; i++)
      codes.push(((await send(smtp.url).catch((e: unknown) => e)) as { responseCode?: number }).responseCode);
    // Each session fails at the first stage that has a failure waiting: MAIL FROM comes first.
    expect(codes).toEqual([452, 550, 451]);
    expect(smtp.refused).toEqual([
      { code: 452, stage: 'mail' },
      { code: 550, stage: 'rcpt' },
      { code: 451, stage: 'data' },
    ]);
    await send(smtp.url, ['a@example.com', 'b@example.com']);
    expect(smtp.received).toHaveLength(1);
  });

  it('requires AUTH when given credentials', async () => {
    smtp = await SmtpStandin.start({ auth: { user: 'vigil', password: 'p@ss' } });
    await send(smtp.url);
    expect(smtp.received[0]!.user).toBe('vigil');
    const wrong = (await send(smtp.url.replace('p%40ss', 'nope')).catch((e: unknown) => e)) as {
      responseCode?: number;
    };
    expect(wrong.responseCode).toBe(535);
  });
});
