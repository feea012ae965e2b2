/**
 * Wall-clock arithmetic in an IANA time zone, through `Intl` only (no tz library of our own).
 *
 * A "wall time" here is a local date-time encoded as if it were UTC epoch milliseconds:
 * 2025-03-09 02:30 in New York is `Date.UTC(2025, 2, 9, 2, 30)`. Cron expressions are matched
 * against wall times, then each wall time is mapped to a real instant by `instantOfWall`, which
 * carries the DST policy:
 *
 * - a wall time inside a spring-forward gap (it never shows on the clock) maps to the first
 *   instant after the gap, so a fire planned inside the gap is moved, not lost;
 * - a wall time inside an autumn overlap (it shows twice) maps to its first occurrence only.
 *
 * The mapping never decreases (a later wall time never maps to an earlier instant), which lets
 * callers walk wall times in order and get instants in order, merging equal ones.
 *
 * Pure: a ZoneClock holds an `Intl.DateTimeFormat` and a small cache of its own; create one
 * per computation.
 */

const DAY_MS = 86_400_000;
/** No zone is further than this from UTC (Kiribati is +14:00). */
const MAX_OFFSET_MS = 15 * 3_600_000;

/** Offsets and conversions of one zone. */
export interface ZoneClock {
  /** The IANA name the clock was created with, e.g. `America/New_York`. */
  readonly zone: string;
  /** UTC offset in milliseconds at `instant` (New York in winter: -18_000_000). */
  offsetAt(instant: number): number;
  /** The wall time (see the file header) shown by the zone's clocks at `instant`. */
  wallAt(instant: number): number;
  /** The instant a wall time stands for, under the DST policy of the file header. */
  instantOfWall(wall: number): number;
}

/**
 * The IANA name of a zone as Intl spells it, or null when Intl does not know it.
 * `america/new_york` → `America/New_York`; `Asia/Kolkata` stays `Asia/Kolkata` (ICU would
 * resolve it to the legacy `Asia/Calcutta`); `Mars/Base` → null.
 */
export function canonicalZone(zone: string): string | null {
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
  const wanted = zone.toLowerCase();
  if (resolved.toLowerCase() === wanted) return resolved;
  const listed = Intl.supportedValuesOf('timeZone').find((name) => name.toLowerCase() === wanted);
  return listed ?? zone;
}

/** The zone this machine's clock is set to (falls back to UTC when Intl cannot say). */
export function machineZone(): string {
  return new Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** A ZoneClock for `zone`. Throws a RangeError for a zone Intl does not know. */
export function createZoneClock(zone: string): ZoneClock {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  function offsetAt(instant: number): number {
    const whole = Math.floor(instant / 1000) * 1000;
    const fields: Record<string, number> = {};
    for (const part of format.formatToParts(new Date(whole))) {
      if (part.type !== 'literal') fields[part.type] = Number(part.value);
    }
    const wall = Date.UTC(
      fields.year ?? 1970,
      (fields.month ?? 1) - 1,
      fields.day ?? 1,
      (fields.hour ?? 0) % 24,
      fields.minute ?? 0,
      fields.second ?? 0,
    );
    return wall - whole;
  }

  // A span of instants known to share one offset (both ends read the same offset, and zones
  // never change offset twice within two days); saves Intl calls when walking many slots.
  let steady = { from: 0, to: -1, offset: 0 };

  function instantOfWall(wall: number): number {
    if (wall - MAX_OFFSET_MS >= steady.from && wall + MAX_OFFSET_MS <= steady.to) return wall - steady.offset;
    const before = offsetAt(wall - DAY_MS);
    const after = offsetAt(wall + DAY_MS);
    if (before === after) steady = { from: wall - DAY_MS, to: wall + DAY_MS, offset: before };
    let first: number | null = null;
    for (const offset of before === after ? [before] : [before, after]) {
      const candidate = wall - offset;
      if (offsetAt(candidate) === offset && (first === null || candidate < first)) first = candidate;
    }
    if (first !== null) return first;
    // In a gap: the transition lies between the two readings; find its first second.
    let lo = Math.floor((wall - Math.max(before, after)) / 1000);
    let hi = Math.ceil((wall - Math.min(before, after)) / 1000);
    const offsetAfterGap = offsetAt(hi * 1000);
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (offsetAt(mid * 1000) === offsetAfterGap) hi = mid;
      else lo = mid;
    }
    return hi * 1000;
  }

  return {
    zone,
    offsetAt,
    wallAt: (instant) => instant + offsetAt(instant),
    instantOfWall,
  };
}

/** `+05:30`, `-04:00`, `+00:00` for an offset in milliseconds. */
export function formatOffset(offsetMs: number): string {
  const sign = offsetMs < 0 ? '-' : '+';
  const minutes = Math.round(Math.abs(offsetMs) / 60_000);
  const hh = String(Math.floor(minutes / 60)).padStart(2, '0');
  const mm = String(minutes % 60).padStart(2, '0');
  return `${sign}${hh}:${mm}`;
}

/** ISO-8601 with the zone's offset: `2025-03-09T03:00:00.000-04:00`. */
export function localIso(clock: ZoneClock, instant: number): string {
  const offset = clock.offsetAt(instant);
  return new Date(instant + offset).toISOString().slice(0, -1) + formatOffset(offset);
}
