/**
 * A real SMTP server on 127.0.0.1 (the `smtp-server` package) that requires a login and keeps
 * every message it accepts: envelope, raw text, parsed headers and body. `hold` keeps the next
 * messages' final answer back until released, which is how a test crashes mid-send.
 */
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';
import type { AddressInfo } from 'node:net';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  /** Header names in lower case; unfolded. */
  headers: Record<string, string>;
  body: string;
}

export interface TestSmtpServer {
  port: number;
  user: string;
  password: string;
  mails: ReceivedMail[];
  /** Addresses the server refuses with 550 at RCPT TO. */
  rejectRecipients: Set<string>;
  /** While set, a message's DATA is read but not answered; resolves `arrived` when one comes. */
  hold(): { arrived: Promise<ReceivedMail>; release: () => void };
  close(): Promise<void>;
}

function parse(raw: string): Pick<ReceivedMail, 'headers' | 'body'> {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const headers: Record<string, string> = {};
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body: raw.slice(split + 4) };
}

export async function startSmtpServer(): Promise<TestSmtpServer> {
  const user = 'mailer@example.com';
  const password = 'smtp-Pa55-word';
  const mails: ReceivedMail[] = [];
  const rejectRecipients = new Set<string>();
  let holding: { arrived: (mail: ReceivedMail) => void; released: Promise<void> } | undefined;
  const server = new SMTPServer({
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    closeTimeout: 200,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === user && auth.password === password) callback(null, { user });
      else callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onRcptTo(address: SMTPServerAddress, _session, callback) {
      if (rejectRecipients.has(address.address)) callback(Object.assign(new Error(`No such user here: ${address.address}`), { responseCode: 550 }));
      else callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const mail: ReceivedMail = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          ...parse(raw),
        };
        mails.push(mail);
        const hold = holding;
        if (!hold) return callback();
        // One held message per hold: the next one is answered at once unless held again.
        holding = undefined;
        hold.arrived(mail);
        void hold.released.then(() => {
          try {
            callback();
          } catch {
            // The sender is gone (it "crashed"): nobody to answer.
          }
        });
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    port,
    user,
    password,
    mails,
    rejectRecipients,
    hold() {
      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      let arrived!: (mail: ReceivedMail) => void;
      const arrival = new Promise<ReceivedMail>((r) => (arrived = r));
      const mine = { arrived, released };
      holding = mine;
      return {
        arrived: arrival,
        release: () => {
          if (holding === mine) holding = undefined;
          release();
        },
      };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
