/**
 * Failure analysis: failed jobs grouped by error fingerprint (error class + normalized message).
 * Memory grows with the number of distinct groups (capped), not with the number of failures.
 */
import { fingerprint, type ErrorFingerprint } from './error-fingerprint';
import type { FailureGroup, FinishedJobRow } from './report-types';

/** How many example job ids a group keeps. */
export const FAILURE_EXAMPLES = 5;
const LAST_MESSAGE_MAX = 500;
const OTHER_KEY = 'other';
/** Identical raw messages are common (one outage fails many jobs alike): their fingerprints are memoized, boundedly. */
const MEMO_MAX = 10_000;
const MEMO_MESSAGE_MAX = 1_000;

interface Example {
  id: string;
  at: number;
}

interface GroupAcc {
  key: string;
  errorClass: string;
  normalized: string;
  count: number;
  firstSeen: number;
  lastSeen: number;
  lastMessage: string;
  types: Set<string>;
  queues: Set<string>;
  examples: Example[];
}

/** Keeps the most recent examples; on equal times the one seen first stays. */
function addExample(examples: Example[], id: string, at: number): void {
  if (examples.length < FAILURE_EXAMPLES) {
    examples.push({ id, at });
    return;
  }
  let oldest = 0;
  for (let i = 1; i < examples.length; i++) if ((examples[i] as Example).at < (examples[oldest] as Example).at) oldest = i;
  if (at > (examples[oldest] as Example).at) examples[oldest] = { id, at };
}

/** Accumulates failed rows into fingerprint groups. Create one per report; not shared. */
export class FailureGrouper {
  private readonly groups = new Map<string, GroupAcc>();
  private readonly memo = new Map<string, ErrorFingerprint>();
  /** Failures counted in the `other` group. */
  overflow = 0;

  /** @param maxGroups most distinct groups; later new fingerprints go to one `other` group. */
  constructor(private readonly maxGroups = 1000) {}

  /** Adds a row when it is a failure (status 'failed'); other rows are ignored. Never throws. */
  add(row: FinishedJobRow): void {
    if (row.status !== 'failed' || row.finishedAt == null) return;
    const errorClass = row.errorClass ?? 'unclassified';
    const fp = this.fingerprintOf(errorClass, row.errorMessage ?? '');
    let group = this.groups.get(fp.key);
    if (!group) {
      if (this.groups.size >= this.maxGroups) {
        this.overflow++;
        group = this.groups.get(OTHER_KEY);
        if (!group) this.groups.set(OTHER_KEY, (group = this.newGroup(OTHER_KEY, 'other', '(failures beyond the group limit)', row)));
      } else {
        this.groups.set(fp.key, (group = this.newGroup(fp.key, errorClass, fp.normalized, row)));
      }
    }
    const at = row.finishedAt;
    group.count++;
    if (at < group.firstSeen) group.firstSeen = at;
    if (at >= group.lastSeen) {
      group.lastSeen = at;
      group.lastMessage = String(row.errorMessage ?? '').slice(0, LAST_MESSAGE_MAX);
    }
    group.types.add(row.type);
    group.queues.add(row.queue);
    addExample(group.examples, row.id, at);
  }

  private fingerprintOf(errorClass: string, message: string): ErrorFingerprint {
    if (message.length > MEMO_MESSAGE_MAX) return fingerprint(errorClass, message);
    const memoKey = `${errorClass}\u0000${message}`;
    let fp = this.memo.get(memoKey);
    if (!fp) {
      fp = fingerprint(errorClass, message);
      if (this.memo.size >= MEMO_MAX) this.memo.clear();
      this.memo.set(memoKey, fp);
    }
    return fp;
  }

  private newGroup(key: string, errorClass: string, normalized: string, row: FinishedJobRow): GroupAcc {
    const at = row.finishedAt as number;
    return {
      key,
      errorClass,
      normalized,
      count: 0,
      firstSeen: at,
      lastSeen: at,
      lastMessage: '',
      types: new Set(),
      queues: new Set(),
      examples: [],
    };
  }

  /** The groups: by count descending, then lastSeen descending, then key. Never throws. */
  result(): FailureGroup[] {
    const out: FailureGroup[] = [];
    for (const g of this.groups.values()) {
      const examples = [...g.examples].sort((a, b) => b.at - a.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      out.push({
        key: g.key,
        errorClass: g.errorClass,
        normalized: g.normalized,
        count: g.count,
        firstSeen: g.firstSeen,
        lastSeen: g.lastSeen,
        types: [...g.types].sort(),
        queues: [...g.queues].sort(),
        exampleJobIds: examples.map((e) => e.id),
        lastMessage: g.lastMessage,
      });
    }
    return out.sort((a, b) => b.count - a.count || b.lastSeen - a.lastSeen || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
}
