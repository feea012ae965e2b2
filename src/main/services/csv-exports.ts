/**
 * The CSV downloads of the contract's CSV_EXPORTS, bound to the JobManager: validate the input
 * with the export's schema, then stream CSV to any Writable (an HTTP response, a file stream).
 * Memory stays constant whatever the row count (the job list is read page by page).
 */
import type { Writable } from 'node:stream';
import { AppError, parseOrThrow } from '../../shared/errors';
import { CSV_EXPORTS, type CsvExportName } from '../../shared/contract';
import { toEpochMs } from '../../shared/model';
import type { CsvExportResult } from '../engine/analytics/csv-export';
import type { ReportRequest } from '../engine/analytics/analytics-service';
import type { JobManager } from '../engine/manager';

function time(v: string | number | undefined): number | undefined {
  return v === undefined ? undefined : toEpochMs(v);
}

/** A window input (from/to as ISO or epoch ms, type, queue, bucket) as the analytics service takes it. */
export function reportRequestOf(input: {
  from?: string | number | undefined;
  to?: string | number | undefined;
  type?: string | string[] | undefined;
  queue?: string | string[] | undefined;
  bucket?: 'hour' | 'day' | undefined;
  tzOffsetMinutes?: number | undefined;
}): ReportRequest {
  const from = time(input.from);
  const to = time(input.to);
  return {
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
    ...(input.type !== undefined ? { type: input.type } : {}),
    ...(input.queue !== undefined ? { queue: input.queue } : {}),
    ...(input.bucket !== undefined ? { bucket: input.bucket } : {}),
    ...(input.tzOffsetMinutes !== undefined ? { tzOffsetMinutes: input.tzOffsetMinutes } : {}),
  };
}

/**
 * Stream the export `name` with `rawInput` (e.g. the parsed query string) to `writable`; the
 * writable is ended when done (destroyed on error). Input is validated before anything is written.
 * Output: rows and bytes written. Errors: AppError NOT_FOUND (unknown export), VALIDATION (input
 * naming the field), BACKEND_UNAVAILABLE; a stream error.
 */
export async function writeCsvExport(manager: JobManager, name: string, rawInput: unknown, writable: Writable): Promise<CsvExportResult> {
  if (!Object.hasOwn(CSV_EXPORTS, name)) {
    throw new AppError('NOT_FOUND', `unknown CSV export "${name}"; exports: ${Object.keys(CSV_EXPORTS).join(', ')}`);
  }
  const exportName = name as CsvExportName;
  switch (exportName) {
    case 'jobs': {
      const { bom, ...query } = parseOrThrow(CSV_EXPORTS.jobs.input, rawInput ?? {}, 'input');
      return manager.exportJobs(writable, query, { bom });
    }
    case 'report': {
      const input = parseOrThrow(CSV_EXPORTS.report.input, rawInput ?? {}, 'input');
      return manager.exportReport(writable, reportRequestOf(input), { bom: input.bom, table: input.table });
    }
    case 'failures': {
      const input = parseOrThrow(CSV_EXPORTS.failures.input, rawInput ?? {}, 'input');
      return manager.exportFailures(writable, reportRequestOf(input), { bom: input.bom });
    }
    case 'metrics': {
      const input = parseOrThrow(CSV_EXPORTS.metrics.input, rawInput ?? {}, 'input');
      const from = time(input.from);
      const to = time(input.to);
      return manager.exportMetrics(
        writable,
        { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}), ...(input.resolution ? { resolution: input.resolution } : {}) },
        { bom: input.bom },
      );
    }
  }
}
