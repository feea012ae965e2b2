/**
 * SchedulerService: turns due schedules into jobs while an engine runs.
 *
 * - One timer, armed for the earliest nextFireAt of all active schedules (no timer per
 *   schedule); re-armed after every tick and when schedules change (`refresh`).
 * - A slow check (every `jumpCheckMs`, default 5 s) compares the wall clock with the monotonic
 *   clock (detectClockJump): system sleep or a wall-clock change is noticed while the app runs,
 *   and every schedule is re-planned at once (missed slots go through the misfire policy).
 * - A tick lists the due schedules in batches, plans each with planTick (with the counts of its
 *   running and queued jobs for the overlap policy), then commits the batch through
 *   ScheduleStore.commitTicks: per schedule a compare-and-set on nextFireAt, the jobs and the
 *   fire records together, so two engines on one store fire each slot once.
 *
 * - The timer wakes `leadMs` before the earliest slot (learned: a decaying maximum of twice the
 *   planning time + 10 ms, 5–500 ms), plans the due schedules for that instant, and commits when it comes, so a slot
 *   shared by many schedules is not late by their planning time. Overlap counts are read at
 *   planning time, up to leadMs early.
 *
 * Time comes from the Clock (wall) and `monotonicNow` (default performance.now). Tests create
 * the service with `useTimers: false` and drive it with `tick(now)` and `checkClock()`.
 */
import { toAppError, type AppError } from '../../../shared/errors';
import type { NewJob } from '../backend/queue-backend';
import type { Clock } from '../clock';
import { detectClockJump, type ClockJump, type SkipReason } from './misfire';
import type { ScheduleDefinition } from './schedule-definition';
import { planTick } from './schedule-planner';
import type { ScheduleStore, TickCommit } from './schedule-store';

export interface SchedulerServiceOptions {
  store: ScheduleStore;
  clock: Clock;
  /** A monotonic clock in ms (default performance.now); stops during system sleep on Linux and macOS. */
  monotonicNow?: () => number;
  /** The job a fire of `def` creates at `now` (validated, defaults filled, linked to `scheduleId`). */
  buildJob: (def: ScheduleDefinition, scheduleId: string, now: number) => NewJob;
  /** After a commit that created jobs (wake the dispatcher, emit job:added). */
  onFired?: (jobs: NewJob[], report: TickReport) => void;
  onError?: (err: AppError) => void;
  /** How often the clock-jump check runs (default 5000 ms). */
  jumpCheckMs?: number;
  /** Wall vs monotonic drift tolerated before it counts as a jump (default 2000 ms). */
  jumpToleranceMs?: number;
  /** Schedules planned and committed per transaction (default 200). */
  batchSize?: number;
  /** false: no timers at all (tests call tick/checkClock). Default true. */
  useTimers?: boolean;
  /** Longest the one timer sleeps before looking again (default 60 s): a safety net, not the mechanism. */
  maxSleepMs?: number;
}

/** What one tick did. */
export interface TickReport {
  now: number;
  fired: Array<{ scheduleId: string; slot: number; jobId: string; catchUp: boolean; latenessMs: number }>;
  skipped: Array<{ scheduleId: string; slot: number; reason: SkipReason }>;
  /** Commits another engine (or a pause/update) won; those schedules were re-read. */
  lost: number;
}

const MAX_ROUNDS = 1000;

export class SchedulerService {
  private readonly o: Required<Omit<SchedulerServiceOptions, 'onFired' | 'onError'>> &
    Pick<SchedulerServiceOptions, 'onFired' | 'onError'>;
  private timer: NodeJS.Timeout | null = null;
  private jumpTimer: NodeJS.Timeout | null = null;
  private armedFor: number | null = null;
  private prevWall = 0;
  private prevMono = 0;
  private ticking: Promise<TickReport> | null = null;
  private tickAgain = false;
  private started = false;
  private readonly listeners = new Set<(report: TickReport) => void>();
  /** How long before a slot the timer wakes to plan it (learned from the last planning time). */
  private leadMs = 50;

  constructor(options: SchedulerServiceOptions) {
    this.o = {
      monotonicNow: () => performance.now(),
      jumpCheckMs: 5000,
      jumpToleranceMs: 2000,
      batchSize: 200,
      useTimers: true,
      maxSleepMs: 60_000,
      ...options,
    };
  }

  /** Catch up at start-up (one tick), then arm the timer and the clock-jump check. */
  async start(): Promise<void> {
    this.started = true;
    this.prevWall = this.o.clock.now();
    this.prevMono = this.o.monotonicNow();
    await this.tick();
    await this.arm();
    if (this.o.useTimers) {
      this.jumpTimer = setInterval(() => void this.checkClock().catch((err) => this.report(err)), this.o.jumpCheckMs);
      this.jumpTimer.unref();
    }
  }

  /** Stop the timers; a tick in progress finishes. */
  async stop(): Promise<void> {
    this.started = false;
    if (this.timer) clearTimeout(this.timer);
    if (this.jumpTimer) clearInterval(this.jumpTimer);
    this.timer = null;
    this.jumpTimer = null;
    this.armedFor = null;
    await this.ticking?.catch(() => undefined);
  }

  /** Call `fn` after every tick that fired or skipped something (benchmarks, diagnostics). Returns an unsubscribe. */
  listen(fn: (report: TickReport) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Schedules changed (created, updated, resumed, by this or another process): re-arm the timer. */
  async refresh(): Promise<void> {
    if (!this.started) return;
    await this.arm();
  }

  /**
   * Compare the wall clock with the monotonic clock since the previous check; after a jump
   * (sleep, clock change) tick at once and re-arm. Output: the jump seen.
   */
  async checkClock(): Promise<ClockJump> {
    const wall = this.o.clock.now();
    const mono = this.o.monotonicNow();
    const jump = detectClockJump(this.prevWall, this.prevMono, wall, mono, this.o.jumpToleranceMs);
    this.prevWall = wall;
    this.prevMono = mono;
    if (jump.jumped) {
      await this.tick(wall);
      await this.arm();
    }
    return jump;
  }

  /**
   * Plan and commit every schedule due at `now` (default: the clock's now). Ticks never overlap:
   * a tick asked for while one runs runs right after it. Output: what was fired and skipped.
   * Errors: the store's (BACKEND_UNAVAILABLE, STORAGE_FULL).
   */
  async tick(now?: number): Promise<TickReport> {
    return this.tickAt(now, null);
  }

  /** tick(); with `commitNotBefore`, plan for that instant now and commit when it comes (the timer's lead). */
  private async tickAt(now: number | undefined, commitNotBefore: number | null): Promise<TickReport> {
    if (this.ticking) {
      this.tickAgain = true;
      await this.ticking.catch(() => undefined);
      if (this.ticking) return this.ticking;
    }
    const run = (async () => {
      let report: TickReport;
      do {
        this.tickAgain = false;
        report = await this.runTick(commitNotBefore ?? now ?? this.o.clock.now(), now === undefined, commitNotBefore);
        commitNotBefore = null;
      } while (this.tickAgain && now === undefined);
      return report;
    })();
    this.ticking = run;
    try {
      const report = await run;
      if (report.fired.length || report.skipped.length) for (const fn of this.listeners) fn(report);
      return report;
    } finally {
      this.ticking = null;
    }
  }

  /** `live`: now is the clock's (lateness is measured at commit); else a caller's instant (lateness from it). */
  private async runTick(now: number, live: boolean, commitNotBefore: number | null): Promise<TickReport> {
    const report: TickReport = { now, fired: [], skipped: [], lost: 0 };
    const { store } = this.o;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const planStart = performance.now();
      const page = await store.list({ dueAtOrBefore: now, paused: false, active: true, limit: this.o.batchSize });
      if (!page.schedules.length) break;
      const counted = page.schedules.filter((s) => s.definition.overlapPolicy !== 'allow').map((s) => s.id);
      const counts = counted.length ? await store.inProgress(counted) : new Map();
      const commits: TickCommit[] = [];
      const meta: Array<{ catchUp: boolean[]; skips: TickReport['skipped'] }> = [];
      for (const s of page.schedules) {
        const c = counts.get(s.id) ?? { running: 0, queued: 0 };
        const plan = planTick({ def: s.definition, state: s.state, now, runningJobsOfSchedule: c.running, queuedJobsOfSchedule: c.queued });
        commits.push({
          id: s.id,
          expectedNextFireAt: s.state.nextFireAt,
          nextState: plan.nextState,
          fires: plan.fires.map((f) => ({ slot: f.slot, job: this.o.buildJob(s.definition, s.id, now) })),
          now,
        });
        meta.push({ catchUp: plan.fires.map((f) => f.catchUp), skips: plan.skips.map((k) => ({ scheduleId: s.id, ...k })) });
      }
      if (round === 0 && commitNotBefore !== null) {
        // Planned ahead for the timer's slot: learn how long planning takes, then commit on time.
        // Decaying maximum: one slow plan (GC, a busy disk) raises the lead for the next slots.
        this.leadMs = Math.min(500, Math.max(5, this.leadMs * 0.9, (performance.now() - planStart) * 2 + 10));
        for (let wait = commitNotBefore - this.o.clock.now(); wait > 0; wait = commitNotBefore - this.o.clock.now()) {
          await new Promise((r) => setTimeout(r, wait));
        }
      }
      const won = await store.commitTicks(commits);
      const committedAt = live ? this.o.clock.now() : now;
      const jobs: NewJob[] = [];
      won.forEach((ok, i) => {
        const c = commits[i]!;
        if (!ok) {
          report.lost++;
          return;
        }
        c.fires.forEach((f, j) => {
          jobs.push(f.job);
          report.fired.push({ scheduleId: c.id, slot: f.slot, jobId: f.job.id, catchUp: meta[i]!.catchUp[j]!, latenessMs: committedAt - f.slot });
        });
        report.skipped.push(...meta[i]!.skips);
      });
      if (jobs.length) this.o.onFired?.(jobs, report);
      // A full page, a lost race or a long outage planned in parts: look again.
    }
    return report;
  }

  /** Arm the one timer for the earliest nextFireAt (capped at maxSleepMs). */
  private async arm(): Promise<void> {
    if (!this.o.useTimers || !this.started) return;
    const [first] = (await this.o.store.list({ active: true, paused: false, limit: 1 })).schedules;
    const now = this.o.clock.now();
    const at = Math.min(first?.state.nextFireAt ?? Infinity, now + this.o.maxSleepMs);
    if (this.timer && this.armedFor === at) return;
    if (this.timer) clearTimeout(this.timer);
    this.armedFor = at;
    this.timer = setTimeout(() => void this.onTimer(), Math.max(0, at - this.leadMs - now));
    this.timer.unref();
  }

  private async onTimer(): Promise<void> {
    const target = this.armedFor;
    this.timer = null;
    this.armedFor = null;
    try {
      // Woken `leadMs` early: plan the slot now, commit it when it comes, then catch anything else due.
      if (target !== null && target > this.o.clock.now()) await this.tickAt(undefined, target);
      await this.tick();
    } catch (err) {
      this.report(err);
    }
    try {
      await this.arm();
    } catch (err) {
      this.report(err);
      if (this.started && this.o.useTimers) {
        this.timer = setTimeout(() => void this.onTimer(), 1000);
        this.timer.unref();
      }
    }
  }

  private report(err: unknown): void {
    this.o.onError?.(toAppError(err));
  }
}
