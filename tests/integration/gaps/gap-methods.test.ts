/**
 * The dashboard-gap methods through invokeMethod on a real engine (SQLite in a temp dir) and
 * through the REST server: bulk delete and change priority (claim order), settings get/update
 * (atomic write, field-named rejection with the file unchanged, live changes applied),
 * backend:testConnection (real Redis, a closed loopback port, a good and an unusable SQLite
 * path), exports:save outside the app (404), and the pushed events (system:sample,
 * health:changed, job:log, worker:changed).
 */
import { createServer } from 'node:net';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createContractHandlers, invokeMethod } from '../../../src/main/services/contract-handlers';
import { publicConfig } from '../../../src/main/services/settings-service';
import type { SqliteBackend } from '../../../src/main/engine/backend/sqlite/sqlite-backend';
import type { BulkResult, ConnectionTestResult, SettingsUpdateResult, SettingsView } from '../../../src/shared/contract';
import { startEngine, waitForEvent, type TestEngine } from '../../helpers/engine';
import { startApiHarness, type ApiHarness } from '../api/api-harness';

const redis = inject('redis');
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function engine(start = true): Promise<TestEngine> {
  const e = await startEngine({ start });
  cleanups.push(() => e.cleanup());
  return e;
}

async function call<R>(e: TestEngine, method: string, input: unknown): Promise<{ ok: true; result: R } | { ok: false; error: { code: string; message: string } }> {
  const handlers = createContractHandlers({ manager: e.manager, version: 'test' });
  return (await invokeMethod(handlers, method, input)) as never;
}

async function ok<R>(e: TestEngine, method: string, input: unknown): Promise<R> {
  const env = await call<R>(e, method, input);
  if (!env.ok) throw new Error(`${method}: ${env.error.code} ${env.error.message}`);
  return env.result;
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('jobs:bulkDelete and jobs:bulkSetPriority (invokeMethod, SQLite)', () => {
  it('deletes finished jobs with their logs, attempts and edges; refuses waiting ones with CONFLICT', async () => {
    const e = await engine(false);
    const [a, b, c] = await e.manager.submitJobs([{ type: 'noop', parameters: {} }, { type: 'noop', parameters: {} }, { type: 'noop', parameters: {} }]);
    await e.manager.cancelJob(a!.id);
    const child = await e.manager.submitJob({ type: 'noop', parameters: {}, dependencies: [{ jobId: b!.id }] } as never);
    const db = (e.manager.backend as SqliteBackend).database;
    db.prepare("INSERT INTO job_logs (job_id, ts, stream, line) VALUES (?, 1, 'out', 'x')").run(a!.id);
    const result = await ok<BulkResult>(e, 'jobs:bulkDelete', { ids: [a!.id, c!.id, 'nope'] });
    expect(result.done).toEqual([a!.id]);
    expect(result.failed.map((f) => [f.id, f.error.code])).toEqual([[c!.id, 'CONFLICT'], ['nope', 'NOT_FOUND']]);
    expect(result.failed[0]!.error.message).toMatch(/is pending: only completed, failed or cancelled/);
    expect(await e.manager.getJob(a!.id)).toBeNull();
    expect(db.prepare('SELECT COUNT(*) AS n FROM job_logs WHERE job_id = ?').get(a!.id)).toEqual({ n: 0 });
    // A finished prerequisite's edges go with it.
    await e.manager.cancelJob(child.id);
    await e.manager.cancelJob(b!.id);
    expect((await ok<BulkResult>(e, 'jobs:bulkDelete', { ids: [b!.id] })).done).toEqual([b!.id]);
    expect(db.prepare('SELECT COUNT(*) AS n FROM job_dependencies WHERE depends_on = ?').get(b!.id)).toEqual({ n: 0 });
    const bad = await call(e, 'jobs:bulkDelete', { ids: [] });
    expect(bad.ok === false && bad.error.code).toBe('VALIDATION');
  });

  it('changes the priority of waiting jobs, which changes the claim order; running jobs are refused', async () => {
    const e = await engine(false);
    const jobs = await e.manager.submitJobs([1, 2, 3].map(() => ({ type: 'noop', parameters: {}, priority: 'LOW' as const })));
    const last = jobs[2]!.id;
    const result = await ok<BulkResult>(e, 'jobs:bulkSetPriority', { ids: [last], priority: 'URGENT' });
    expect(result).toEqual({ done: [last], failed: [] });
    expect((await e.manager.getJob(last))!.priority).toBe('URGENT');
    const claimed = await e.manager.backend.claimJobs({ engineId: 'e', worker: 'w', limit: 1, now: Date.now() });
    expect(claimed.map((j) => j.id)).toEqual([last]);
    const refused = await ok<BulkResult>(e, 'jobs:bulkSetPriority', { ids: [last, jobs[0]!.id], priority: 'HIGH' });
    expect(refused.done).toEqual([jobs[0]!.id]);
    expect(refused.failed[0]).toMatchObject({ id: last, error: { code: 'CONFLICT' } });
    const bad = await call(e, 'jobs:bulkSetPriority', { ids: [last], priority: 'SOON' });
    expect(bad.ok === false && bad.error.message).toMatch(/priority/);
  });
});

describe('settings:get and settings:update (invokeMethod, running engine)', () => {
  it('round-trips: atomic write, live changes applied, restart fields reported, secrets masked', async () => {
    const e = await engine();
    const before = await ok<SettingsView>(e, 'settings:get', {});
    expect(before.settingsPath).toBe(join(e.dir, 'settings.json'));
    expect(before.desktop).toBeNull();
    const result = await ok<SettingsUpdateResult>(e, 'settings:update', {
      engine: { thresholds: { cpuPercent: 70 }, concurrency: { global: 3 }, retention: { completed: 5 }, workers: { concurrency: 2 }, redis: { url: 'redis://me:s3cret@127.0.0.1:6390' } },
    });
    expect(result.applied.sort()).toEqual(['concurrency.global', 'retention.completed', 'thresholds.cpuPercent']);
    expect(result.restartRequired.sort()).toEqual(['redis.url', 'workers.concurrency']);
    const file = JSON.parse(readFileSync(before.settingsPath, 'utf8'));
    expect(file).toEqual({ thresholds: { cpuPercent: 70 }, concurrency: { global: 3 }, retention: { completed: 5 }, workers: { concurrency: 2 }, redis: { url: 'redis://me:s3cret@127.0.0.1:6390' } });
    expect(readdirSync(e.dir).filter((f) => f.includes('.tmp') || f.includes('.check'))).toEqual([]);
    // Live: the running engine uses the new values now.
    expect(e.manager.config.thresholds.cpuPercent).toBe(70);
    expect(e.manager.config.retention.completed).toBe(5);
    expect(e.manager.governance!.governor.backpressure.settings().cpuThreshold).toBe(70);
    expect(e.manager.governance!.governor.limits.capacity().limit).toBe(3);
    expect(e.manager.config.workers.concurrency).toBe(4); // restart needed
    // The file view shows what was written; the effective engine view masks nothing it does not hold.
    expect(result.settings.file).toMatchObject({ thresholds: { cpuPercent: 70 }, redis: { url: 'redis://me:***@127.0.0.1:6390' } });
    expect(JSON.stringify(result.settings)).not.toContain('s3cret');
    expect(publicConfig({ ...e.manager.config, redis: { url: 'rediss://u:pw@h:1/2', cluster: ['redis://:pw2@n1:7000'], prefix: 'p' } }).redis).toEqual({ url: 'rediss://u:***@h:1/2', cluster: ['redis://:***@n1:7000'], prefix: 'p' });
  });

  it('rejects an invalid update naming the field and leaves the file unchanged', async () => {
    const e = await engine();
    mkdirSync(e.dir, { recursive: true });
    const path = join(e.dir, 'settings.json');
    writeFileSync(path, '{"thresholds":{"cpuPercent":75}}\n');
    const unknown = await call(e, 'settings:update', { engine: { thresholds: { cpuPercentage: 70 } } });
    expect(unknown.ok === false && unknown.error.code).toBe('VALIDATION');
    expect(unknown.ok === false && unknown.error.message).toMatch(/engine\.thresholds: unknown field\(s\) cpuPercentage/);
    const range = await call(e, 'settings:update', { engine: { thresholds: { cpuPercent: 900 } } });
    expect(range.ok === false && range.error.message).toMatch(/engine\.thresholds\.cpuPercent/);
    const whole = await call(e, 'settings:update', { engine: { workers: { min: 9, max: 3 } } });
    expect(whole.ok === false && whole.error.message).toMatch(/workers: minimum \(9/);
    const desktop = await call(e, 'settings:update', { desktop: { closeToTray: false } });
    expect(desktop.ok === false && desktop.error.code).toBe('CONFLICT');
    expect(readFileSync(path, 'utf8')).toBe('{"thresholds":{"cpuPercent":75}}\n');
    expect(e.manager.config.thresholds.cpuPercent).toBe(100);
  });
});

describe('backend:testConnection', () => {
  it('SQLite: the engine\'s own file passes; a missing file in a writable folder is fine; a path under a file is not', async () => {
    const e = await engine(false);
    const own = await ok<ConnectionTestResult>(e, 'backend:testConnection', { backend: 'sqlite' });
    expect(own).toMatchObject({ ok: true, details: { integrity: ['ok'], journalMode: 'wal', jobHandleDatabase: true } });
    const fresh = await ok<ConnectionTestResult>(e, 'backend:testConnection', { backend: 'sqlite', dbPath: join(e.dir, 'new', 'x.db') });
    expect(fresh.ok).toBe(true);
    expect(fresh.message).toMatch(/does not exist yet/);
    writeFileSync(join(e.dir, 'plain.txt'), 'not a folder');
    // A folder that is a file: unusable even for root (who may write anywhere else).
    const bad = await ok<ConnectionTestResult>(e, 'backend:testConnection', { backend: 'sqlite', dbPath: join(e.dir, 'plain.txt', 'jobs.db') });
    expect(bad).toMatchObject({ ok: false, details: { folderWritable: false } });
    expect(bad.message).toMatch(/is a file, not a folder/);
    writeFileSync(join(e.dir, 'junk.db'), 'x'.repeat(4096));
    const junk = await ok<ConnectionTestResult>(e, 'backend:testConnection', { backend: 'sqlite', dbPath: join(e.dir, 'junk.db') });
    expect(junk.ok).toBe(false);
    expect(junk.message).toMatch(/not a SQLite database/);
    expect(existsSync(join(e.dir, 'new'))).toBe(false);
  });

  it('Redis: a closed loopback port is "refused", a bad URL names the field', async () => {
    const e = await engine(false);
    const port = await closedPort();
    const refused = await ok<ConnectionTestResult>(e, 'backend:testConnection', { backend: 'redis', url: `redis://127.0.0.1:${port}`, timeoutMs: 2000 });
    expect(refused.ok).toBe(false);
    expect(refused.message).toMatch(/refused the connection/);
    const badUrl = await ok<ConnectionTestResult>(e, 'backend:testConnection', { backend: 'redis', url: 'http://127.0.0.1:6379' });
    expect(badUrl).toMatchObject({ ok: false, latencyMs: null });
    expect(badUrl.message).toMatch(/redis\.url: protocol "http:" is not supported/);
  });

  it.skipIf(!redis.single)('Redis: a real server answers with its version and latency; a wrong password is an auth problem', async () => {
    const e = await engine(false);
    const good = await ok<ConnectionTestResult>(e, 'backend:testConnection', { backend: 'redis', url: redis.single! });
    expect(good.ok).toBe(true);
    expect(good.latencyMs).toBeGreaterThanOrEqual(0);
    expect(good.details['redisVersion']).toMatch(/^\d+\./);
    const url = new URL(redis.single!);
    url.username = 'nobody';
    url.password = 'wrong';
    const auth = await ok<ConnectionTestResult>(e, 'backend:testConnection', { backend: 'redis', url: url.toString() });
    expect(auth.ok).toBe(false);
    expect(auth.message).toMatch(/refused the credentials/);
  });

  it.skipIf(!redis.cluster)('Redis Cluster: reports the cluster state ok and its size', async () => {
    const e = await engine(false);
    const result = await ok<ConnectionTestResult>(e, 'backend:testConnection', { backend: 'redis', cluster: redis.cluster!, timeoutMs: 5000 });
    expect(result).toMatchObject({ ok: true, details: { mode: 'cluster', clusterState: 'ok' } });
  });
});

describe('pushed events', () => {
  it('system:sample while someone listens, health:changed on first evaluation, job:log and worker:changed', async () => {
    const e = await engine();
    const sample = await waitForEvent(e.manager, 'system:sample', () => true, 10_000);
    expect(sample.workers.total).toBeGreaterThanOrEqual(1);
    expect(sample.counts).toHaveProperty('pending');
    const health = waitForEvent(e.manager, 'health:changed', () => true, 20_000);
    await e.manager.liveFeed!.checkHealth();
    expect((await health).report.status).toMatch(/healthy|degraded|unhealthy/);
    const log = waitForEvent(e.manager, 'job:log', (p) => p.line === 'line 2');
    const job = await e.manager.submitJob({ type: 'progress', parameters: { steps: 3, stepMs: 1 } });
    expect((await log).id).toBe(job.id);
    const changed = waitForEvent(e.manager, 'worker:changed', (p) => p.change === 'started');
    e.manager.scaleWorkers(2);
    expect((await changed).worker.name).toMatch(/^worker-/);
  });
});

describe('over the REST server', () => {
  let h: ApiHarness;
  afterEach(async () => h?.close());

  it('serves the new routes with the contract\'s status codes', async () => {
    h = await startApiHarness();
    const got = await h.call('GET', '/api/settings');
    expect(got.status).toBe(200);
    expect(got.body.liveFields).toContain('thresholds');
    const patched = await h.call('PATCH', '/api/settings', { body: { engine: { retention: { failed: 30 } } } });
    expect(patched.status).toBe(200);
    expect(patched.body.applied).toEqual(['retention.failed']);
    const invalid = await h.call('PATCH', '/api/settings', { body: { engine: { nope: 1 } } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.message).toMatch(/unknown field\(s\) nope/);
    const test = await h.call('POST', '/api/backend/test', { body: { backend: 'sqlite' } });
    expect(test.body.ok).toBe(true);
    const job = await h.client.api['jobs:submit']({ type: 'extraction', parameters: { text: 'x' }, runAt: Date.now() + 3_600_000 } as never);
    const prio = await h.call('POST', '/api/jobs/bulk/priority', { body: { ids: [job.id], priority: 'HIGH' } });
    expect(prio.body).toEqual({ done: [job.id], failed: [] });
    const del = await h.call('POST', '/api/jobs/bulk/delete', { body: { ids: [job.id] } });
    expect(del.body.failed[0].error.code).toBe('CONFLICT');
    await h.client.api['jobs:cancel']({ id: job.id });
    expect((await h.client.api['jobs:bulkDelete']({ ids: [job.id] })).done).toEqual([job.id]);
    const save = await h.call('POST', '/api/exports/save', { body: { name: 'jobs' } });
    expect(save.status).toBe(404);
    expect(save.body.error.message).toMatch(/download \/api\/export\/jobs\.csv instead/);
  });
});
