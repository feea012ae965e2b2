/**
 * The contract's CSV exports (CSV_EXPORTS) as download routes: `GET <path>?<query>` validates the
 * query with the export's schema, then streams `writeCsvExport` into the response
 * (`text/csv; charset=utf-8`, `Content-Disposition: attachment`), in constant memory.
 */
import type { ServerResponse } from 'node:http';
import { CSV_EXPORTS, CSV_EXPORT_NAMES } from '../../shared/contract';
import { parseOrThrow } from '../../shared/errors';
import type { JobManager } from '../engine/manager';
import { writeCsvExport } from '../services/csv-exports';
import { queryToInput } from './api-routes';
import type { DownloadRoute } from './api-server';

/** One download route per CSV export, bound to `manager`. */
export function csvDownloads(manager: JobManager): DownloadRoute[] {
  return CSV_EXPORT_NAMES.map((name) => {
    const spec = CSV_EXPORTS[name];
    return {
      path: spec.path,
      method: 'get' as const,
      summary: `Download ${spec.filename} (CSV, UTF-8; bom=true adds a byte-order mark for spreadsheet apps)`,
      contentType: 'text/csv; charset=utf-8',
      operationId: `export:${name}`,
      input: spec.input,
      fileName: spec.filename,
      parse(query) {
        // As for GET methods: typed query values first, then (for `?text=42`) all as text.
        const typed = spec.input.safeParse(queryToInput(query));
        if (typed.success) return queryToInput(query);
        const text = spec.input.safeParse(queryToInput(query, false));
        if (text.success) return queryToInput(query, false);
        return parseOrThrow(spec.input, queryToInput(query), 'input');
      },
      async stream(input, res: ServerResponse) {
        await writeCsvExport(manager, name, input, res);
      },
    };
  });
}
