// A walk along a reach's line at 1.3 m/s, a fix every 5 s with a few metres of wobble, as a GPX
// file: the river chief's GPS for the replay (the demo reach is near Wuhan, so no recorded
// fixture follows it).

export function walkAlong(line: { lon: number; lat: number }[], startMs: number): string {
  const mPerDegLat = 111_320;
  const pts: { lon: number; lat: number; t: number }[] = [];
  let t = startMs;
  for (let i = 0; i + 1 < line.length; i++) {
    const [a, b] = [line[i], line[i + 1]];
    const mPerDegLon = mPerDegLat * Math.cos((a.lat * Math.PI) / 180);
    const len = Math.hypot((b.lon - a.lon) * mPerDegLon, (b.lat - a.lat) * mPerDegLat);
    for (let d = 0; d < len; d += 6.5, t += 5000) {
      const f = d / len;
      const k = pts.length;
      const wobble = 3 * Math.sin(k * 0.7);
      pts.push({ lon: a.lon + (b.lon - a.lon) * f + wobble / mPerDegLon, lat: a.lat + (b.lat - a.lat) * f + (wobble * 0.5) / mPerDegLat, t });
    }
  }
  const body = pts.map((p) => `<trkpt lat="${p.lat.toFixed(7)}" lon="${p.lon.toFixed(7)}"><time>${new Date(p.t).toISOString()}</time></trkpt>`).join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="xuncha e2e" xmlns="http://www.topografix.com/GPX/1/1"><trk><name>walk</name><trkseg>\n${body}\n</trkseg></trk></gpx>\n`;
}
