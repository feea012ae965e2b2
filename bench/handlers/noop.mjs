// A job that does nothing: what the benchmarks drain to measure the engine itself.
export default function noop() {
  return null;
}
