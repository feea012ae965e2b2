/**
 * `jobhandle workers` (worker processes with their stats; from a client process, the engines
 * registered in the store and where they run) and `jobhandle pools [set NAME PER_MINUTE [BURST]]`
 * (rate-limit pools, stored so that every engine on the store picks them up).
 */
import { listRatePools, setRatePool } from '../engine/governor/resource-service';
import { intOption, numberOption, parseCommand, UsageError } from './cli-args';
import { iso, table } from './cli-output';
import type { CliCommand } from './cli-types';

const workers: CliCommand = {
  summary: 'list worker processes with state, jobs, CPU and memory (or the engines running elsewhere)',
  usage: 'workers [--json]',
  async run(args, ctx) {
    const { values: v } = parseCommand(args, {}, 0);
    return ctx.withManager(v, async (m) => {
      const o = ctx.output;
      const list = m.listWorkers();
      if (m.isEngine || list.length) {
        if (o.json) o.out(JSON.stringify(list));
        else {
          const rows = [['NAME', 'PID', 'STATE', 'JOBS', 'DONE', 'FAILED', 'CPU', 'MEMORY', 'UP SINCE']];
          for (const w of list) {
            rows.push([w.name, String(w.pid ?? '-'), w.state, String(w.currentJobs.length), String(w.jobsDone), String(w.jobsFailed),
              w.cpuPercent === null ? '-' : `${w.cpuPercent}%`, w.memoryMb === null ? '-' : `${w.memoryMb} MB`, iso(w.startedAt)]);
          }
          o.out(table(rows));
        }
        return 0;
      }
      // No engine in this process: say which engines run where (their workers live there).
      const engines = await m.backend.listEngines();
      const now = m.clock.now();
      if (o.json) {
        o.out(JSON.stringify({ workers: [], engines }));
        return 0;
      }
      if (!engines.length) {
        o.out('no engine is running on this store; start one with `jobhandle start-worker`');
        return 0;
      }
      const rows = [['ENGINE', 'HOST', 'PID', 'QUEUES', 'STARTED', 'LAST HEARTBEAT']];
      for (const e of engines) {
        rows.push([e.id, e.hostname, String(e.pid), e.queues?.join(',') ?? 'all', iso(e.startedAt), `${Math.round((now - e.heartbeatAt) / 1000)} s ago`]);
      }
      o.out(`no engine runs in this process; worker processes belong to these engines:\n${table(rows)}`);
      return 0;
    });
  },
};

const pools: CliCommand = {
  summary: 'list rate-limit pools, or declare/change one: pools set NAME PER_MINUTE [BURST]',
  usage: 'pools [set NAME PER_MINUTE [BURST]] [--json]',
  async run(args, ctx) {
    const { values: v, positionals } = parseCommand(args, {}, 4);
    const o = ctx.output;
    if (positionals.length && positionals[0] !== 'set') throw new UsageError(`unknown pools action "${positionals[0]}"; use: pools set NAME PER_MINUTE [BURST]`);
    if (positionals[0] === 'set') {
      const [, name, rate, burstRaw] = positionals;
      if (!name || rate === undefined) throw new UsageError('pools set needs NAME and PER_MINUTE');
      const perMinute = numberOption('PER_MINUTE', rate, 0.001)!;
      const burst = intOption('BURST', burstRaw, 1) ?? 1;
      return ctx.withManager(v, async (m) => {
        const pool = await setRatePool(m, name, perMinute, burst);
        o.out(o.json ? JSON.stringify(pool) : `pool ${pool.name}: ${pool.perMinute} per minute, burst ${pool.burst} (running engines apply it within a second)`);
        return 0;
      });
    }
    return ctx.withManager(v, async (m) => {
      const list = await listRatePools(m);
      if (o.json) o.out(JSON.stringify(list));
      else if (!list.length) o.out(`no rate pools declared; jobs naming one get ${m.config.limits.maxApiCallsPerMinute} per minute (JOB_MAX_API_CALLS_PER_MINUTE)`);
      else {
        const rows = [['NAME', 'PER MINUTE', 'BURST', 'AVAILABLE', 'WAITING', 'GRANTED', 'WAITS', 'WAITED', 'FROM']];
        const n = (x: number | null) => (x === null ? '-' : String(x));
        for (const p of list) {
          rows.push([p.name, String(p.perMinute), String(p.burst), n(p.available), n(p.waiting), n(p.granted), n(p.waits),
            p.totalWaitMs === null ? '-' : `${Math.round(p.totalWaitMs / 100) / 10} s`, p.source]);
        }
        o.out(table(rows));
      }
      return 0;
    });
  },
};

export const RESOURCE_COMMANDS: Record<string, CliCommand> = { workers, pools };
