import nodemailer from 'nodemailer';
import { FakeSmtp } from './smtp.js';

describe('FakeSmtp, through nodemailer', () => {
  let fake: FakeSmtp | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  it('records each message: envelope, raw text and parsed subject, text and html', async () => {
    fake = await FakeSmtp.start();
    const transport = nodemailer.createTransport({ host: fake.host, port: fake.port, secure: false, ignoreTLS: true });
    const info = await transport.sendMail({
      from: 'Vigil <alerts@vigil.test>',
      to: ['oncall@example.com', 'lead@example.com'],
      subject: 'CRITICAL: disk full on db-1',
      text: 'The disk of db-1 is full.',
      html: '<p>The disk of <b>db-1</b> is full.</p>',
    });
    expect(info.accepted).toEqual(['oncall@example.com', 'lead@example.com']);
    expect(fake.messages).toHaveLength(1);
    expect(fake.messages[0]).toMatchObject({
      from: 'alerts@vigil.test',
      to: ['oncall@example.com', 'lead@example.com'],
      subject: 'CRITICAL: disk full on db-1',
      text: 'The disk of db-1 is full.',
      html: '<p>The disk of <b>db-1</b> is full.</p>',
    });
    expect(fake.messages[0]!.raw).toContain('Subject: CRITICAL: disk full on db-1');
  });

  it('with AUTH: accepts the right credentials and refuses others', async () => {
    fake = await FakeSmtp.start({ auth: { user: 'vigil', password: 's3cret' } });
    const send = (pass: string) =>
      nodemailer
        .createTransport({
          host: fake!.host,
          port: fake!.port,
          secure: false,
          ignoreTLS: true,
          auth: { user: 'vigil', pass },
        })
        .sendMail({ from: 'a@vigil.test', to: 'b@example.com', subject: 'hi', text: 'x' });
    await expect(send('wrong')).rejects.toMatchObject({ code: 'EAUTH' });
    await send('s3cret');
    expect(fake.messages).toHaveLength(1);
    expect(fake.messages[0]).toMatchObject({ user: 'vigil', to: ['b@example.com'], subject: 'hi' });
  });
});
