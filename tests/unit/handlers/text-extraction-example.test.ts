import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadHandlerModule, moduleHandler } from '../../../src/main/engine/handlers/module-handler';
import { toJsonResult } from '../../../src/main/engine/handlers/result-guard';
import { makeContext } from '../../helpers/job-context';

const EXAMPLE = resolve(dirname(fileURLToPath(import.meta.url)), '../../../examples/handlers/text-extraction.mjs');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jh-extract-'));
  await mkdir(join(dir, 'notes', 'deep'), { recursive: true });
  // 3 lines, 11 words.
  await writeFile(join(dir, 'a.txt'), 'Apple banana apple\nContact alice@example.com or Bob@Example.com today\nthe apple pie\n');
  // 2 lines (the last without newline), 7 words.
  await writeFile(join(dir, 'notes', 'b.md'), '# Banana notes\nsee https://example.org/docs, and alice@example.com');
  // 1 line, 4 words.
  await writeFile(join(dir, 'notes', 'deep', 'c.log'), 'cherry banana https://example.org/docs http://x.test/a?b=1');
  await writeFile(join(dir, 'ignored.bin'), 'apple apple apple\n');
  await writeFile(join(dir, 'empty.csv'), '');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('example handler examples/handlers/text-extraction.mjs', () => {
  it('extracts exact counts, words, e-mails and URLs from a directory tree', async () => {
    const outputPath = join(dir, 'out', 'report.json');
    const handler = await loadHandlerModule(EXAMPLE);
    const t = makeContext({ path: dir, outputPath }, { type: 'extraction' });
    const summary = toJsonResult(await handler(t.ctx));
    expect(summary).toEqual({
      files: 4,
      lines: 6,
      words: 22,
      topWords: [
        { word: 'apple', count: 3 },
        { word: 'banana', count: 3 },
        { word: 'cherry', count: 1 },
        { word: 'contact', count: 1 },
        { word: 'notes', count: 1 },
        { word: 'pie', count: 1 },
        { word: 'see', count: 1 },
        { word: 'today', count: 1 },
      ],
      emails: ['alice@example.com', 'bob@example.com'],
      urls: ['http://x.test/a?b=1', 'https://example.org/docs'],
      outputPath,
    });
    expect(t.progress.map((p) => p.percent)).toEqual([25, 50, 75, 100]);
    expect(t.lines('log')).toEqual(expect.arrayContaining(['reading a.txt', 'reading notes/b.md', 'reading notes/deep/c.log', 'reading empty.csv']));
    const report = JSON.parse(await readFile(outputPath, 'utf8')) as { files: { file: string; lines: number; words: number }[] };
    expect(report.files.map((f) => [f.file, f.lines, f.words])).toEqual([
      ['a.txt', 3, 11],
      ['empty.csv', 0, 0],
      ['notes/b.md', 2, 7],
      ['notes/deep/c.log', 1, 4],
    ]);
  });

  it('filters with a suffix pattern and runs as a module job', async () => {
    const t = makeContext({ path: EXAMPLE, args: { path: dir, pattern: 'notes/*.md' } }, { type: 'module' });
    const summary = (await moduleHandler(t.ctx)) as { files: number; lines: number; words: number; outputPath: unknown };
    expect(summary).toMatchObject({ files: 1, lines: 2, words: 7, outputPath: null });
  });

  it('fails permanently for a missing path and stops when aborted', async () => {
    const handler = await loadHandlerModule(EXAMPLE);
    await expect(handler(makeContext({ path: join(dir, 'nope') }).ctx)).rejects.toMatchObject({ name: 'PermanentError', permanent: true });
    const t = makeContext({ path: dir });
    t.abort('cancelled');
    await expect(handler(t.ctx)).rejects.toMatchObject({ name: 'AbortError', message: 'extraction aborted: cancelled' });
  });
});
