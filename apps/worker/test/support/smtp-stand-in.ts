// An SMTP server stand-in on a port chosen up front: closed until `open()`, so a test can make
// every delivery fail (connection refused) and then let a retried one through, and see what
// arrived. It speaks the bare minimum nodemailer needs (no TLS, no auth, no pipelining).
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { freePort } from '@headroom/testing/processes';

export interface ReceivedMessage {
  from: string;
  to: string[];
  data: string;
}

export async function createSmtpStandIn() {
  const port = await freePort();
  const received: ReceivedMessage[] = [];
  const server = createServer((socket) => converse(socket, received));

  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    open: async () => {
      server.listen(port, '127.0.0.1');
      await once(server, 'listening');
    },
    close: async () => {
      if (!server.listening) return;
      server.close();
      await once(server, 'close');
    },
  };
}

function converse(socket: Socket, received: ReceivedMessage[]) {
  let buffer = '';
  let message: ReceivedMessage = { from: '', to: [], data: '' };
  let inData = false;
  const reply = (line: string) => socket.write(`${line}\r\n`);
  reply('220 stand-in ESMTP');
  socket.on('error', () => {});
  socket.on('data', (chunk) => {
    buffer += chunk;
    for (let end = buffer.indexOf('\r\n'); end !== -1; end = buffer.indexOf('\r\n')) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (inData) {
        if (line === '.') {
          inData = false;
          received.push(message);
          message = { from: '', to: [], data: '' };
          reply('250 queued');
        } else {
          message.data += `${line.startsWith('..') ? line.slice(1) : line}\n`;
        }
        continue;
      }
      const verb = line.slice(0, 4).toUpperCase();
      if (verb === 'EHLO' || verb === 'HELO') reply('250 stand-in');
      else if (verb === 'MAIL') {
        message.from = line.slice(10).trim();
        reply('250 ok');
      } else if (verb === 'RCPT') {
        message.to.push(line.slice(8).trim());
        reply('250 ok');
      } else if (verb === 'DATA') {
        inData = true;
        reply('354 end with .');
      } else if (verb === 'QUIT') {
        reply('221 bye');
        socket.end();
      } else if (verb === 'RSET' || verb === 'NOOP') reply('250 ok');
      else reply('502 not implemented');
    }
  });
}
