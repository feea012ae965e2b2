/**
 * Example JobHandle handler module: text extraction over local files.
 *
 * Register it for a job type in the settings file:
 *   { "handlers": { "extraction": { "module": "/abs/path/examples/handlers/text-extraction.mjs" } } }
 * or run it once as a `module` job:
 *   jobhandle submit module --params-json '{"path":"/abs/.../text-extraction.mjs","args":{"path":"./notes"}}'
 *
 * Parameters (ctx.params):
 *   path        a file, or a directory searched recursively for .txt .md .csv .json .log files
 *   pattern     optional glob-ish suffix filter on the path relative to `path` ("*.md", "notes/*.txt", ".log")
 *   outputPath  optional file to write the full JSON report to (per-file details and totals)
 *
 * Per file: line count, word count (whitespace-separated tokens, like `wc -w`), top 10 words
 * (lowercase, stop words and numbers left out, e-mails and URLs not split into words), and the
 * e-mail addresses and URLs found, deduplicated.
 * Returns { files, lines, words, topWords, emails, urls, outputPath }.
 *
 * Plain JavaScript with no dependencies: copy it and change `analyzeLine` to build your own.
 */
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rename, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { createInterface } from 'node:readline';

const EXTENSIONS = new Set(['.txt', '.md', '.csv', '.json', '.log']);
const TOP_WORDS = 10;
/** Most e-mails / URLs listed in the returned summary (the output file has them all). */
const SUMMARY_LIST_MAX = 200;
const STOP_WORDS = new Set(
  ('a an and are as at be but by for from has have he her his i if in into is it its me my no not of on or our ' +
    'she so that the their them then there these they this to was we were what when which who will with you your').split(' '),
);
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
const URL_RE = /\bhttps?:\/\/[^\s<>"'`]+/g;
const WORD = /\p{L}[\p{L}\p{N}]*(?:['’-][\p{L}\p{N}]+)*/gu;

/** An error the engine never retries: a missing path will not appear by retrying. */
function permanent(message) {
  const err = new Error(message);
  err.name = 'PermanentError';
  err.permanent = true;
  return err;
}

function abortError(signal) {
  const reason = signal.reason instanceof Error ? signal.reason.message : String(signal.reason);
  const err = new Error(`extraction aborted: ${reason}`, { cause: signal.reason });
  err.name = 'AbortError';
  return err;
}

/** `*.md` → a regular expression matching paths that end like the pattern. */
function suffixMatcher(pattern) {
  if (!pattern) return () => true;
  const source = pattern
    .split('/')
    .map((part) => part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]'))
    .join('/');
  const re = new RegExp(`${source}$`);
  return (relPath) => re.test(relPath);
}

async function listFiles(root, matches) {
  const info = await stat(root).catch(() => null);
  if (!info) throw permanent(`text-extraction: no such file or directory: ${root}`);
  if (info.isFile()) return [root];
  if (!info.isDirectory()) throw permanent(`text-extraction: not a file or directory: ${root}`);
  const found = [];
  const walk = async (dir) => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) await walk(full); // symbolic links are not followed: no loops
      else if (entry.isFile()) {
        const dot = entry.name.lastIndexOf('.');
        const ext = dot > 0 ? entry.name.slice(dot).toLowerCase() : '';
        if (EXTENSIONS.has(ext) && matches(relative(root, full).split(sep).join('/'))) found.push(full);
      }
    }
  };
  await walk(root);
  return found.sort();
}

/** Count one line into `stats`. */
function analyzeLine(line, stats) {
  stats.lines += 1;
  const tokens = line.split(/\s+/).filter(Boolean);
  stats.words += tokens.length;
  let rest = line;
  for (const email of line.match(EMAIL) ?? []) stats.emails.add(email.toLowerCase());
  for (let url of line.match(URL_RE) ?? []) {
    url = url.replace(/[.,;:!?)\]}]+$/, '');
    stats.urls.add(url);
  }
  // E-mails and URLs are not words: take them out before counting words.
  rest = rest.replace(URL_RE, ' ').replace(EMAIL, ' ');
  for (const word of rest.match(WORD) ?? []) {
    const w = word.toLowerCase();
    if (w.length < 2 || STOP_WORDS.has(w)) continue;
    stats.counts.set(w, (stats.counts.get(w) ?? 0) + 1);
  }
}

function topWords(counts) {
  return [...counts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, TOP_WORDS)
    .map(([word, count]) => ({ word, count }));
}

async function analyzeFile(path, signal) {
  const stats = { lines: 0, words: 0, counts: new Map(), emails: new Set(), urls: new Set() };
  const input = createReadStream(path, { encoding: 'utf8', signal });
  const lines = createInterface({ input, crlfDelay: Infinity });
  try {
    for await (const line of lines) analyzeLine(line, stats);
  } catch (err) {
    if (signal.aborted) throw abortError(signal);
    throw err;
  }
  return stats;
}

/**
 * The handler.
 * Input: ctx.params { path, pattern?, outputPath? } (relative paths resolve against the worker's cwd).
 * Output: { files, lines, words, topWords, emails, urls, outputPath }.
 * Errors: a permanent error for a missing path or bad parameters; an AbortError when ctx.signal aborts.
 */
export default async function textExtraction(ctx) {
  const { path, pattern, outputPath } = ctx.params ?? {};
  if (typeof path !== 'string' || path === '') throw permanent('parameters.path: expected a file or directory path');
  if (pattern !== undefined && typeof pattern !== 'string') throw permanent('parameters.pattern: expected a string such as "*.md"');
  if (outputPath !== undefined && typeof outputPath !== 'string') throw permanent('parameters.outputPath: expected a file path');

  const root = resolve(path);
  const files = await listFiles(root, suffixMatcher(pattern));
  ctx.log(`found ${files.length} file(s) under ${root}`);
  const total = { lines: 0, words: 0, counts: new Map(), emails: new Set(), urls: new Set() };
  const perFile = [];
  for (const [index, file] of files.entries()) {
    if (ctx.signal.aborted) throw abortError(ctx.signal);
    const name = files.length === 1 && file === root ? basename(file) : relative(root, file).split(sep).join('/');
    ctx.log(`reading ${name}`);
    const stats = await analyzeFile(file, ctx.signal);
    total.lines += stats.lines;
    total.words += stats.words;
    for (const [word, count] of stats.counts) total.counts.set(word, (total.counts.get(word) ?? 0) + count);
    for (const email of stats.emails) total.emails.add(email);
    for (const url of stats.urls) total.urls.add(url);
    perFile.push({
      file: name,
      lines: stats.lines,
      words: stats.words,
      topWords: topWords(stats.counts),
      emails: [...stats.emails].sort(),
      urls: [...stats.urls].sort(),
    });
    ctx.progress(Math.round(((index + 1) / files.length) * 100), `${index + 1}/${files.length} ${name}`);
  }

  const emails = [...total.emails].sort();
  const urls = [...total.urls].sort();
  let written = null;
  if (outputPath) {
    written = resolve(outputPath);
    const report = { root, files: perFile, totals: { files: files.length, lines: total.lines, words: total.words, topWords: topWords(total.counts), emails, urls } };
    await mkdir(dirname(written), { recursive: true });
    const temp = `${written}.${process.pid}.tmp`;
    await writeFile(temp, `${JSON.stringify(report, null, 2)}\n`);
    await rename(temp, written); // readers never see a half-written report
    ctx.log(`report written to ${written}`);
  }
  return {
    files: files.length,
    lines: total.lines,
    words: total.words,
    topWords: topWords(total.counts),
    emails: emails.slice(0, SUMMARY_LIST_MAX),
    urls: urls.slice(0, SUMMARY_LIST_MAX),
    outputPath: written,
  };
}
