/**
 * "Save CSV as…" in the desktop app (the contract's `exports:save`): a native save dialog, then
 * the export streamed to the chosen file with writeCsvExport. The input is validated before the
 * dialog opens; a cancelled dialog answers `{saved: false}`.
 */
import { createWriteStream, rmSync } from 'node:fs';
import type { BrowserWindow, Dialog } from 'electron';
import { AppError, parseOrThrow } from '../../shared/errors';
import { CSV_EXPORTS, type CsvExportName } from '../../shared/contract';
import type { JobManager } from '../engine/manager';
import { writeCsvExport } from '../services/csv-exports';

export interface CsvSaveDeps {
  dialog: Pick<Dialog, 'showSaveDialog'>;
  manager: JobManager;
  /** The window the dialog belongs to (null: app-modal). */
  window: () => BrowserWindow | null;
  /** Folder the dialog opens in. */
  defaultDir: string;
}

/**
 * Ask for a file and write export `name` with `input` there. Output: saved (false when the user
 * cancelled), the path, rows and bytes. Errors: NOT_FOUND (unknown export), VALIDATION naming the
 * field (before any dialog), a file error as CONFIG naming the path (a partial file is removed).
 */
export async function saveCsvExport(deps: CsvSaveDeps, name: string, input: Record<string, unknown>): Promise<{ saved: boolean; path: string | null; rows: number; bytes: number }> {
  if (!Object.hasOwn(CSV_EXPORTS, name)) throw new AppError('NOT_FOUND', `unknown CSV export "${name}"`);
  const spec = CSV_EXPORTS[name as CsvExportName];
  parseOrThrow(spec.input, input, 'input');
  const options = {
    title: 'Save CSV export',
    defaultPath: `${deps.defaultDir}/${spec.filename}`,
    filters: [{ name: 'CSV', extensions: ['csv'] }],
  };
  const win = deps.window();
  const choice = win ? await deps.dialog.showSaveDialog(win, options) : await deps.dialog.showSaveDialog(options);
  if (choice.canceled || !choice.filePath) return { saved: false, path: null, rows: 0, bytes: 0 };
  const path = choice.filePath;
  try {
    const result = await writeCsvExport(deps.manager, name, input, createWriteStream(path));
    return { saved: true, path, rows: result.rows, bytes: result.bytes };
  } catch (err) {
    rmSync(path, { force: true });
    if (err instanceof AppError) throw err;
    throw new AppError('CONFIG', `cannot write ${path}: ${(err as Error).message}`);
  }
}
