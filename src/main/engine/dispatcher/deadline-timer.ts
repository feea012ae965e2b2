/**
 * One timer for many deadlines (job timeouts, kill-after-grace): a min-heap of deadlines and a
 * single setTimeout armed for the earliest. No timer per job.
 */
interface Entry {
  at: number;
  key: string;
  token: number;
}

export class DeadlineTimer {
  private heap: Entry[] = [];
  private readonly live = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private armedFor = Infinity;
  private tokens = 0;

  constructor(
    private readonly onDue: (key: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Set (or move) the deadline of `key`. */
  set(key: string, at: number): void {
    const token = ++this.tokens;
    this.live.set(key, token);
    this.push({ at, key, token });
    if (at < this.armedFor) this.arm();
  }

  delete(key: string): void {
    if (!this.live.delete(key)) return;
    if (this.live.size === 0) {
      this.heap = [];
      this.disarm();
    } else if (this.heap.length > 2 * this.live.size + 64) {
      this.compact(); // deleted entries are dropped lazily; keep them from piling up behind long deadlines
    }
  }

  /** Entries in the heap, stale ones included (for tests). */
  get heapSize(): number {
    return this.heap.length;
  }

  private compact(): void {
    const entries = this.heap.filter((e) => this.live.get(e.key) === e.token);
    this.heap = [];
    for (const e of entries) this.push(e);
  }

  has(key: string): boolean {
    return this.live.has(key);
  }

  clear(): void {
    this.heap = [];
    this.live.clear();
    this.disarm();
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.armedFor = Infinity;
  }

  private arm(): void {
    this.disarm();
    this.dropStale();
    const top = this.heap[0];
    if (!top) return;
    this.armedFor = top.at;
    this.timer = setTimeout(() => this.fire(), Math.max(0, top.at - this.now()));
    this.timer.unref();
  }

  private fire(): void {
    this.timer = null;
    this.armedFor = Infinity;
    const now = this.now();
    for (;;) {
      this.dropStale();
      const top = this.heap[0];
      if (!top || top.at > now) break;
      this.pop();
      this.live.delete(top.key);
      this.onDue(top.key);
    }
    this.arm();
  }

  private dropStale(): void {
    while (this.heap.length && this.live.get(this.heap[0]!.key) !== this.heap[0]!.token) this.pop();
  }

  private push(e: Entry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p]!.at <= h[i]!.at) break;
      [h[p], h[i]] = [h[i]!, h[p]!];
      i = p;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (!h.length) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && h[l]!.at < h[m]!.at) m = l;
      if (r < h.length && h[r]!.at < h[m]!.at) m = r;
      if (m === i) break;
      [h[m], h[i]] = [h[i]!, h[m]!];
      i = m;
    }
  }
}
