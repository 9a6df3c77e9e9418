// Where emails go: an SMTP server (Mailpit in docker-compose.yml, your provider in production)
// or, natively and in tests, a directory with one .eml file per message, named after its
// idempotency key so a re-sent message overwrites itself instead of piling up.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';

export interface OutgoingEmail {
  /** Unique per message; the file name in directory mode. */
  key: string;
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  send: (email: OutgoingEmail) => Promise<void>;
  close: () => void;
}

export function createMailer(options: {
  from: string;
  smtpUrl?: string | undefined;
  directory?: string | undefined;
}): Mailer {
  if (options.smtpUrl) {
    const transport = nodemailer.createTransport(options.smtpUrl);
    return {
      send: async (email) => {
        await transport.sendMail({
          from: options.from,
          to: email.to,
          subject: email.subject,
          text: email.text,
        });
      },
      close: () => transport.close(),
    };
  }
  if (!options.directory) throw new Error('createMailer needs an SMTP URL or a directory');
  const directory = options.directory;
  // Created on the first message rather than checked on every one; a failed attempt is
  // forgotten, so the next message (the job's retry) tries again.
  let directoryCreated: Promise<unknown> | undefined;
  const createDirectory = () =>
    (directoryCreated ??= mkdir(directory, { recursive: true }).catch((error: unknown) => {
      directoryCreated = undefined;
      throw error;
    }));
  const transport = nodemailer.createTransport({
    streamTransport: true,
    buffer: true,
    newline: 'unix',
  });
  return {
    send: async (email) => {
      const { message } = await transport.sendMail({
        from: options.from,
        to: email.to,
        subject: email.subject,
        text: email.text,
      });
      await createDirectory();
      await writeFile(path.join(directory, `${email.key}.eml`), message as Buffer);
    },
    close: () => transport.close(),
  };
}
