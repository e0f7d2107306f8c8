// New ids for what the console creates (reaches, sites): UUID v7, like the domain's own
// (`Uuid::now_v7` in crates/domain/src/id.rs), so they sort by creation. Made from
// crypto.getRandomValues, not crypto.randomUUID: a console opened over plain http on the
// office's network is not a secure context, and randomUUID does not exist there.

export function uuidV7(now: number = Date.now(), random: (b: Uint8Array) => void = (b) => crypto.getRandomValues(b)): string {
  const b = new Uint8Array(16);
  random(b);
  let ms = Math.max(0, Math.floor(now));
  for (let i = 5; i >= 0; i--) {
    b[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  b[6] = (b[6] & 0x0f) | 0x70;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
