// Where positions come from: the webview's geolocation (the device's GPS), or a GPX file
// replayed in real time (or faster) for demos and tests. Both give TrackPoints stamped now.

import { parseGpx, replayDelays, replayTimes } from './gpx';
import { loadGpx, type Settings } from './settings';
import type { TrackPoint } from './types';

export interface FixWatcher { stop(): void }

export function watchFixes(
  settings: Pick<Settings, 'gpsSource' | 'replaySpeed'>,
  onFix: (p: TrackPoint) => void,
  onError: (message: string) => void,
): FixWatcher {
  if (settings.gpsSource === 'gpx') return replay(settings.replaySpeed, onFix, onError);
  if (!('geolocation' in navigator)) {
    onError('此设备不提供定位');
    return { stop() {} };
  }
  const id = navigator.geolocation.watchPosition(
    (pos) =>
      onFix({
        t: pos.timestamp || Date.now(),
        lon: pos.coords.longitude,
        lat: pos.coords.latitude,
        accuracy_m: pos.coords.accuracy ?? undefined,
        altitude_m: pos.coords.altitude ?? undefined,
        speed_mps: pos.coords.speed ?? undefined,
        bearing_deg: pos.coords.heading ?? undefined,
        provider: 'gps',
      }),
    (err) => onError(err.message || '定位失败'),
    { enableHighAccuracy: true, maximumAge: 0, timeout: 30_000 },
  );
  return { stop: () => navigator.geolocation.clearWatch(id) };
}

const REPLAY_CLOCK_KEY = 'replay:last-t';

function replay(speed: number, onFix: (p: TrackPoint) => void, onError: (m: string) => void): FixWatcher {
  const gpx = loadGpx();
  let points;
  try {
    points = gpx ? parseGpx(gpx.text) : [];
  } catch (e) {
    onError(String(e));
    return { stop() {} };
  }
  if (!points.length) {
    onError('没有可回放的 GPX 轨迹（在“设置”中选择文件）');
    return { stop() {} };
  }
  const delays = replayDelays(points, speed);
  // Stamped with the recorded timing from now on, and never before a point an earlier replay
  // (before a reload) already stamped: a track's times only go forward.
  const last = Number(localStorage.getItem(REPLAY_CLOCK_KEY)) || 0;
  const times = replayTimes(points, Math.max(Date.now(), last + 1000));
  let i = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const next = () => {
    if (i >= points.length) return;
    timer = setTimeout(() => {
      const t = times[i];
      const p = points[i++];
      localStorage.setItem(REPLAY_CLOCK_KEY, String(t));
      onFix({ t, lon: p.lon, lat: p.lat, altitude_m: p.ele ?? undefined, provider: 'replay' });
      next();
    }, delays[i]);
  };
  next();
  return { stop: () => clearTimeout(timer) };
}

/** One fix, or null after `timeoutMs`. */
export function oneFix(settings: Pick<Settings, 'gpsSource' | 'replaySpeed'>, timeoutMs = 15_000): Promise<TrackPoint | null> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (p: TrackPoint | null) => {
      if (done) return;
      done = true;
      w.stop();
      clearTimeout(timer);
      resolve(p);
    };
    const timer = setTimeout(() => finish(null), timeoutMs);
    const w = watchFixes(settings, (p) => finish(p), () => finish(null));
  });
}
