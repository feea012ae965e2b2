import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultDataDir, loadConfig } from '../../../src/main/engine/config';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'jh-config-'));
  dirs.push(d);
  return d;
}
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('loadConfig', () => {
  it('has the original defaults', () => {
    const c = loadConfig({ env: { JOBHANDLE_DATA_DIR: tmp() } });
    expect(c.jobs).toMatchObject({ defaultTimeoutSeconds: 259200, maxRetries: 3, retryDelaySeconds: 60 });
    expect(c.limits).toEqual({ maxCpuPercent: 80, maxMemoryMb: 1024, maxApiCallsPerMinute: 60 });
    expect(c.thresholds).toEqual({ cpuPercent: 80, memoryPercent: 85 });
    expect(c.workers).toMatchObject({ min: 2, max: 10 });
    expect(c.backend).toBe('auto');
    expect(c.dbPath).toBe(join(c.dataDir, 'jobhandle.db'));
  });

  it('reads the original environment variables', () => {
    const c = loadConfig({
      env: {
        JOBHANDLE_DATA_DIR: tmp(),
        REDIS_URL: 'redis://localhost:6379/0',
        JOB_QUEUE_WORKERS_MIN: '1',
        JOB_QUEUE_WORKERS_MAX: '4',
        JOB_QUEUE_CPU_THRESHOLD: '70',
        JOB_QUEUE_MEMORY_THRESHOLD: '90.5',
        JOB_DEFAULT_TIMEOUT: '600',
        JOB_MAX_RETRIES: '5',
        JOB_RETRY_DELAY: '2.5',
        JOB_MAX_CPU_PERCENT: '150',
        JOB_MAX_MEMORY_MB: '512',
        JOB_MAX_API_CALLS_PER_MINUTE: '100',
      },
    });
    expect(c.redis.url).toBe('redis://localhost:6379/0');
    expect(c.workers).toMatchObject({ min: 1, max: 4 });
    expect(c.thresholds).toEqual({ cpuPercent: 70, memoryPercent: 90.5 });
    expect(c.jobs).toMatchObject({ defaultTimeoutSeconds: 600, maxRetries: 5, retryDelaySeconds: 2.5 });
    expect(c.limits).toEqual({ maxCpuPercent: 150, maxMemoryMb: 512, maxApiCallsPerMinute: 100 });
  });

  it.each([
    ['JOB_MAX_RETRIES', 'three', 'expected a whole number from 0 to 100'],
    ['JOB_QUEUE_WORKERS_MIN', '-1', 'expected a whole number from 0 to 256'],
    ['JOB_QUEUE_CPU_THRESHOLD', '120', 'expected a percentage from 1 to 100'],
    ['JOB_DEFAULT_TIMEOUT', '0', 'expected a number of seconds greater than 0'],
    ['JOB_RETRY_DELAY', 'soon', 'expected a number of seconds, 0 or more'],
    ['JOBHANDLE_BACKEND', 'mongo', 'expected one of auto, sqlite, redis'],
    ['JOBHANDLE_REDIS_CLUSTER', 'a,b', 'expected comma-separated host:port seed nodes'],
  ])('rejects %s=%s naming the variable and the form', (name, value, form) => {
    expect(() => loadConfig({ env: { JOBHANDLE_DATA_DIR: tmp(), [name]: value } })).toThrow(
      `environment variable ${name}=${JSON.stringify(value)} is invalid: ${form}`,
    );
  });

  it('rejects min above max and a non-redis REDIS_URL', () => {
    expect(() => loadConfig({ env: { JOBHANDLE_DATA_DIR: tmp(), JOB_QUEUE_WORKERS_MIN: '5', JOB_QUEUE_WORKERS_MAX: '2' } })).toThrow(
      /minimum \(5, JOB_QUEUE_WORKERS_MIN\) is above maximum \(2, JOB_QUEUE_WORKERS_MAX\)/,
    );
    expect(() => loadConfig({ env: { JOBHANDLE_DATA_DIR: tmp(), REDIS_URL: 'http://x' } })).toThrow(/REDIS_URL/);
  });

  it('merges defaults < settings file < environment < overrides, and resolves handler paths', () => {
    const dir = tmp();
    writeFileSync(
      join(dir, 'settings.json'),
      JSON.stringify({ jobs: { maxRetries: 7, retryDelaySeconds: 1 }, workers: { concurrency: 3 }, handlers: { extraction: { module: './h.mjs' } } }),
    );
    const c = loadConfig({ env: { JOBHANDLE_DATA_DIR: dir, JOB_MAX_RETRIES: '8' }, overrides: { workers: { concurrency: 9 } } });
    expect(c.jobs.maxRetries).toBe(8);
    expect(c.jobs.retryDelaySeconds).toBe(1);
    expect(c.workers.concurrency).toBe(9);
    expect(c.handlers.extraction!.module).toBe(join(dir, 'h.mjs'));
  });

  it('names the settings-file field that is wrong, and unknown fields', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'settings.json'), JSON.stringify({ jobs: { maxRetries: -1 }, colour: 'blue' }));
    expect(() => loadConfig({ env: { JOBHANDLE_DATA_DIR: dir } })).toThrow(/settings file .*settings\.json is invalid: .*jobs\.maxRetries/);
    writeFileSync(join(dir, 'settings.json'), JSON.stringify({ colour: 'blue' }));
    expect(() => loadConfig({ env: { JOBHANDLE_DATA_DIR: dir } })).toThrow(/unknown field\(s\) colour/);
    writeFileSync(join(dir, 'settings.json'), '{ not json');
    expect(() => loadConfig({ env: { JOBHANDLE_DATA_DIR: dir } })).toThrow(/is not valid JSON/);
    expect(() => loadConfig({ env: { JOBHANDLE_SETTINGS: join(dir, 'missing.json') } })).toThrow(/does not exist/);
  });

  it('puts the data directory where Electron keeps userData', () => {
    expect(defaultDataDir({ XDG_CONFIG_HOME: '/x' }, 'linux')).toBe('/x/JobHandle');
    expect(defaultDataDir({ APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'win32')).toMatch(/JobHandle$/);
    expect(defaultDataDir({}, 'darwin')).toMatch(/Library\/Application Support\/JobHandle$/);
  });
});
