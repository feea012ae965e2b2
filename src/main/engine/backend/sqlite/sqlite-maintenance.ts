/**
 * Store maintenance for the SQLite file: WAL checkpoint, VACUUM when enough of the file is free
 * pages, and a rotating online backup (SQLite's backup API, safe while the engine runs).
 */
import type Database from 'better-sqlite3';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { MaintenanceOptions } from '../../handlers/engine-handlers';

export interface MaintenanceReport {
  checkpoint: { busy: number; log: number; checkpointed: number } | null;
  freeRatio: number;
  vacuumed: boolean;
  backup: string | null;
  removedBackups: string[];
}

/** Run the maintenance steps `options` asks for. `backupDir` receives `jobhandle-<ISO>.db` files. */
export async function runSqliteMaintenance(
  db: Database.Database,
  backupDir: string,
  options: MaintenanceOptions,
  log: (line: string) => void,
  now: number = Date.now(),
): Promise<MaintenanceReport> {
  const report: MaintenanceReport = { checkpoint: null, freeRatio: 0, vacuumed: false, backup: null, removedBackups: [] };
  if (options.checkpoint) {
    const row = db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number; log: number; checkpointed: number }>;
    report.checkpoint = row[0] ?? null;
    log(`WAL checkpoint: ${JSON.stringify(report.checkpoint)}`);
  }
  const pages = db.pragma('page_count', { simple: true }) as number;
  const free = db.pragma('freelist_count', { simple: true }) as number;
  report.freeRatio = pages ? free / pages : 0;
  if (pages && report.freeRatio >= options.vacuumFreeRatio) {
    db.exec('VACUUM');
    report.vacuumed = true;
    log(`VACUUM: ${free} of ${pages} pages were free`);
  } else {
    log(`no VACUUM: ${free} of ${pages} pages free (threshold ${Math.round(options.vacuumFreeRatio * 100)}%)`);
  }
  if (options.backup) {
    mkdirSync(backupDir, { recursive: true });
    const file = join(backupDir, `jobhandle-${new Date(now).toISOString().replace(/[:.]/g, '-')}.db`);
    await db.backup(file);
    report.backup = file;
    log(`backup written to ${file}`);
    const backups = readdirSync(backupDir)
      .filter((f) => /^jobhandle-.*\.db$/.test(f))
      .sort();
    for (const old of backups.slice(0, Math.max(0, backups.length - options.keepBackups))) {
      rmSync(join(backupDir, old), { force: true });
      report.removedBackups.push(old);
    }
  }
  return report;
}
