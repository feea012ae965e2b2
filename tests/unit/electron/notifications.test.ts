import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NotificationRulesSchema, type NotificationRules } from '../../../src/main/electron/desktop-settings';
import { JobNotifier } from '../../../src/main/electron/notifications';
import type { JobPriority } from '../../../src/shared/model';
import { asElectron, FakeNotification } from '../../helpers/fake-electron';

describe('notifications', () => {
  let events: EventEmitter;
  let focused: boolean;
  const openJob = vi.fn();
  const openDashboard = vi.fn();
  const priorities = new Map<string, JobPriority>();

  const notifier = (rules: Partial<NotificationRules> = {}) => {
    const n = new JobNotifier({
      Notification: asElectron(FakeNotification),
      events: asElectron(events),
      rules: NotificationRulesSchema.parse(rules),
      isWindowFocused: () => focused,
      openJob,
      openDashboard,
      priorityOf: async (id) => priorities.get(id) ?? null,
    });
    n.start();
    return n;
  };
  const completed = (id: string, type = 'http') =>
    events.emit('job:completed', { id, type, queue: 'default', attempt: 1, result: null, durationMs: 1500, finishedAt: 0 });
  const failed = (id: string, type = 'http') =>
    events.emit('job:failed', { id, type, queue: 'default', attempt: 1, error: { message: 'boom' }, finishedAt: 0 });
  const titles = () => FakeNotification.shown.map((n) => n.options.title);

  beforeEach(() => {
    vi.useFakeTimers();
    events = new EventEmitter();
    focused = false;
    FakeNotification.shown = [];
    FakeNotification.supported = true;
    openJob.mockReset();
    openDashboard.mockReset();
    priorities.clear();
  });
  afterEach(() => vi.useRealTimers());

  it('notifies completion and failure after the digest window; a click opens the job', async () => {
    const n = notifier();
    completed('a');
    failed('b');
    await vi.advanceTimersByTimeAsync(1999);
    expect(FakeNotification.shown).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(titles()).toEqual(['Job completed: http', 'Job failed: http']);
    expect(FakeNotification.shown[0]!.options.body).toBe('a finished in 1.5 s');
    expect(FakeNotification.shown[1]!.options.body).toBe('b boom');
    FakeNotification.shown[1]!.emit('click');
    expect(openJob).toHaveBeenCalledWith('b');
    n.stop();
  });

  it('turns more than 3 within 2 s into one summary that opens the dashboard', async () => {
    const n = notifier();
    for (let i = 0; i < 7; i++) (i % 3 === 0 ? failed : completed)(`j${i}`);
    await vi.advanceTimersByTimeAsync(2000);
    expect(titles()).toEqual(['7 jobs finished']);
    expect(FakeNotification.shown[0]!.options.body).toBe('4 completed, 3 failed');
    FakeNotification.shown[0]!.emit('click');
    expect(openDashboard).toHaveBeenCalledTimes(1);
    // exactly 3 stay individual
    FakeNotification.shown = [];
    for (let i = 0; i < 3; i++) completed(`k${i}`);
    await vi.advanceTimersByTimeAsync(2000);
    expect(FakeNotification.shown).toHaveLength(3);
    n.stop();
  });

  it('failures only; per type; per priority', async () => {
    let n = notifier({ onCompleted: false });
    completed('a');
    failed('b');
    await vi.advanceTimersByTimeAsync(2000);
    expect(titles()).toEqual(['Job failed: http']);
    n.stop();

    FakeNotification.shown = [];
    n = notifier({ types: ['report'] });
    completed('c', 'http');
    completed('d', 'report');
    await vi.advanceTimersByTimeAsync(2000);
    expect(titles()).toEqual(['Job completed: report']);
    n.stop();

    FakeNotification.shown = [];
    priorities.set('low', 'LOW').set('high', 'HIGH').set('urgent', 'URGENT');
    n = notifier({ minPriority: 'HIGH' });
    completed('low');
    completed('high');
    completed('urgent');
    completed('gone');
    await vi.advanceTimersByTimeAsync(2000);
    expect(FakeNotification.shown.map((x) => x.options.body!.split(' ')[0])).toEqual(['high', 'urgent']);
    n.stop();
  });

  it('stays quiet while the window is focused (unless told otherwise), and when disabled', async () => {
    focused = true;
    let n = notifier();
    failed('a');
    await vi.advanceTimersByTimeAsync(2000);
    expect(FakeNotification.shown).toHaveLength(0);
    n.stop();
    n = notifier({ quietWhenFocused: false });
    failed('a');
    await vi.advanceTimersByTimeAsync(2000);
    expect(FakeNotification.shown).toHaveLength(1);
    n.stop();
    focused = false;
    n = notifier({ enabled: false });
    failed('a');
    await vi.advanceTimersByTimeAsync(2000);
    expect(FakeNotification.shown).toHaveLength(1);
    n.stop();
    expect(events.listenerCount('job:failed')).toBe(0);
  });
});
