/**
 * Formatting of times, durations and numbers for display. Pure; times are epoch ms.
 */

/** `2025-01-31 09:00:05` in the viewer's zone; '—' for null. */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const d = new Date(ms);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** `850 ms`, `12.3 s`, `4 min 05 s`, `2 h 03 min`; '—' for null. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(Math.floor(s % 60)).padStart(2, '0')} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${String(m % 60).padStart(2, '0')} min`;
}

/** `97.5 %` from a 0–1 ratio; '—' for null. */
export function formatRatio(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '—';
  return `${(ratio * 100).toFixed(1)} %`;
}

/** `42 %` from a 0–100 value; '—' for null. */
export function formatPercent(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return `${value.toFixed(digits)} %`;
}

/** `12,345` */
export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return n.toLocaleString('en-US');
}

/** How long a job ran (or has run so far): finished − started, or now − started. */
export function jobDuration(startedAt: number | null, finishedAt: number | null, now: number): number | null {
  if (startedAt === null) return null;
  return (finishedAt ?? now) - startedAt;
}

/**
 * A long id cut for narrow columns: its last 8 characters (time-ordered ids share their start, so
 * the end is what tells them apart). The full id goes in the title.
 */
export function shortId(id: string): string {
  return id.length > 12 ? `…${id.slice(-8)}` : id;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/**
 * A wall-clock time with its offset (`2026-11-30T09:30:00.000+00:00`, as the engine gives fire
 * times in a schedule's zone) as `Mon 2026-11-30 09:30 (UTC+00:00)`. Other text is returned as is.
 */
export function formatZoned(local: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(Z|[+-]\d{2}:\d{2})$/.exec(local);
  if (!m) return local;
  const [, y, mo, d, h, mi, s, off] = m;
  const weekday = WEEKDAYS[new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d))).getUTCDay()];
  const seconds = s && s !== '00' ? `:${s}` : '';
  return `${weekday} ${y}-${mo}-${d} ${h}:${mi}${seconds} (UTC${off === 'Z' ? '+00:00' : off})`;
}
