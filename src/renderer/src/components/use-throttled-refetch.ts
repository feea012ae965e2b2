/**
 * Refetch a list when something changed, at most once per interval: lists keyed on the jobs
 * slice's `changeSeq` call this instead of refetching per event.
 */
import { useEffect, useRef, useState } from 'react';
import { describeError } from '../api/errors';

export interface RefetchState<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  reload(): void;
}

/**
 * Run `fetch` on mount, whenever `deps` change, and when `trigger` changes (throttled to one call
 * per `minIntervalMs`). Output: the latest data, a plain-words error, and a reload function.
 */
export function useThrottledRefetch<T>(fetch: () => Promise<T>, trigger: unknown, deps: readonly unknown[], minIntervalMs = 1000): RefetchState<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const lastRun = useRef(0);
  const fetchRef = useRef(fetch);
  fetchRef.current = fetch;

  useEffect(() => {
    let cancelled = false;
    const wait = Math.max(0, lastRun.current + minIntervalMs - Date.now());
    const timer = setTimeout(() => {
      lastRun.current = Date.now();
      setLoading(true);
      fetchRef.current().then(
        (value) => {
          if (cancelled) return;
          setData(value);
          setError(null);
          setLoading(false);
        },
        (err: unknown) => {
          if (cancelled) return;
          setError(describeError(err));
          setLoading(false);
        },
      );
    }, wait);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [trigger, tick, minIntervalMs, ...deps]);

  return { data, error, loading, reload: () => setTick((t) => t + 1) };
}
