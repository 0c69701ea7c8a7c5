import { createServer } from 'node:net';

/**
 * Returns a TCP port that was free on `host` a moment ago: binds port 0 (the
 * kernel picks an unused port), reads it back and closes the socket again.
 *
 * Another process can grab the port between this call and its real use, so
 * callers that bind the port in another process (a database server, a child
 * web server) should retry with a fresh port on "address already in use".
 */
export function getFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', (err) => reject(new Error(`getFreePort: could not bind ${host}:0: ${err.message}`)));
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error(`getFreePort: unexpected server address ${JSON.stringify(address)}`));
        return;
      }
      const { port } = address;
      server.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}
