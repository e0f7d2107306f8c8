// A relay between the device and the server that can act as a slow mobile network: while
// `slow` is set it holds each new connection 150 ms and lets the device send only ~96 KB/s, so
// a sync lasts long enough to be watched and stopped. Otherwise it passes bytes straight on.
import { connect, createServer, type AddressInfo } from 'node:net';

const BYTES_PER_S = 96 * 1024;

export interface Relay {
  /** The address the device is given as its server's. */
  url: string;
  slow: boolean;
  close(): void;
}

export async function startRelay(serverUrl: string): Promise<Relay> {
  const target = new URL(serverUrl);
  const srv = createServer((client) => {
    const slowNow = relay.slow;
    const up = connect(Number(target.port), target.hostname);
    up.on('error', () => client.destroy());
    client.on('error', () => up.destroy());
    up.pipe(client);
    client.on('end', () => up.end());
    const forward = () =>
      client.on('data', (chunk) => {
        if (!relay.slow) return void up.write(chunk);
        client.pause();
        up.write(chunk);
        setTimeout(() => client.resume(), (chunk.length / BYTES_PER_S) * 1000);
      });
    if (slowNow) {
      client.pause();
      setTimeout(() => {
        forward();
        client.resume();
      }, 150);
    } else forward();
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const relay: Relay = {
    url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
    slow: false,
    close: () => srv.close(),
  };
  return relay;
}
