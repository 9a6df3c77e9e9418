// Settings for autocannon when it loads anything behind nginx (the edge, the load balancer).

/**
 * Requests an autocannon connection sends before it closes and reopens it by itself.
 *
 * nginx closes a client's keep-alive connection after `keepalive_requests` requests (1,000,
 * nginx's default, which infra/nginx keeps) and says so with `Connection: close`. autocannon
 * ignores that header: it writes its next request into the closing socket, and the kernel
 * answers with a reset that autocannon counts as `read ECONNRESET`. That error belongs to the
 * load generator, not to the server; browsers, nginx and undici honour the header and never
 * see it. Reconnecting at half nginx's limit closes from the client's side first, for one TCP
 * handshake every 500 requests (0.2% of them).
 */
export const RECONNECT_EVERY_REQUESTS = 500;
