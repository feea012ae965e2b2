// A job that waits `ms` (default 200) without using CPU: keeps jobs running so that per-job
// sampling is active in the monitor benchmark.
export default function sleep(ctx) {
  return new Promise((r) => setTimeout(r, Number(ctx.params.ms ?? 200)));
}
