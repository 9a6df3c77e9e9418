// The native stack's alert receiver: Alertmanager posts each notification here as a webhook
// (native.yml.template), and the sink keeps it where a developer can read it: one JSON line
// per notification in a file, and the whole list at GET /. The end-to-end alert test runs one
// in-process and waits on it.
import { appendFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One alert in Alertmanager's webhook payload (version 4). */
export interface NotifiedAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
}

/** Alertmanager's webhook payload, with the time the sink received it. */
export interface Notification {
  receivedAt: string;
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  alerts: NotifiedAlert[];
}

export interface AlertSink {
  url: string;
  notifications: () => readonly Notification[];
  /** Resolves with the first notification, received from now on, that `matches` accepts. */
  next: (matches: (notification: Notification) => boolean) => Promise<Notification>;
  close: () => Promise<void>;
}

/** A webhook body is a few kilobytes; anything far larger is not from Alertmanager. */
const MAX_BODY_BYTES = 1024 * 1024;

async function readBody(request: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of request) {
    body += chunk;
    if (body.length > MAX_BODY_BYTES) throw new Error('body too large');
  }
  return body;
}

export async function startAlertSink(options: {
  port: number;
  host?: string;
  /** Each notification is appended here as one JSON line. */
  file?: string;
}): Promise<AlertSink> {
  const received: Notification[] = [];
  const waiters = new Set<{
    matches: (notification: Notification) => boolean;
    resolve: (notification: Notification) => void;
  }>();

  const server = createServer(async (request, response) => {
    if (request.method === 'GET') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(received, null, 2));
      return;
    }
    if (request.method !== 'POST') {
      response.writeHead(405).end();
      return;
    }
    let notification: Notification;
    try {
      notification = {
        receivedAt: new Date().toISOString(),
        ...JSON.parse(await readBody(request)),
      };
    } catch {
      response.writeHead(400).end();
      return;
    }
    received.push(notification);
    if (options.file) await appendFile(options.file, `${JSON.stringify(notification)}\n`);
    for (const waiter of waiters) {
      if (waiter.matches(notification)) {
        waiters.delete(waiter);
        waiter.resolve(notification);
      }
    }
    response.writeHead(200).end();
  });
  await new Promise<void>((resolve) =>
    server.listen(options.port, options.host ?? '127.0.0.1', resolve),
  );
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}/`,
    notifications: () => received,
    next: (matches) => new Promise((resolve) => waiters.add({ matches, resolve })),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
