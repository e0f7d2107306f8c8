// Another web page the user has open, on another origin: it tries what any page may do without
// asking — a text/plain POST (no preflight), a form post — and a JSON call (which needs the
// bridge's permission), each telling the device to do something. Its title turns to `done`
// once every try has been made.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export async function startForeignPage(bridgeUrl: string, attack: string): Promise<{ url: string; close(): void }> {
  const html = `<!doctype html><title>other site</title><body><form id="f" method="POST" enctype="text/plain" action="${bridgeUrl}/api" target="sink"><input name='${attack.slice(0, -1)},"x":"' value='"}'></form><iframe name="sink"></iframe><script>
    (async () => {
      const tries = [
        fetch('${bridgeUrl}/api', { method: 'POST', mode: 'no-cors', headers: { 'Content-Type': 'text/plain' }, body: ${JSON.stringify(attack)} }),
        fetch('${bridgeUrl}/api', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: ${JSON.stringify(attack)} }),
      ];
      document.getElementById('f').submit();
      await Promise.allSettled(tries);
      setTimeout(() => (document.title = 'done'), 500);
    })();
  </script>`;
  const srv = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/`, close: () => srv.close() };
}
