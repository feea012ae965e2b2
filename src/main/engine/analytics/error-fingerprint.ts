/**
 * Error fingerprints: the same failure, whatever job, file, host or moment it hit, gets the same key.
 *
 * A message is normalized by folding the parts that vary between occurrences into placeholders,
 * in this order (see docs/analytics.md for examples):
 *   quoted paths → `'<path>'`; URLs → `scheme://host[:<port>]` + `/<path>` when they had a path or
 *   query (credentials dropped, IP hosts → `<ip>`); e-mail addresses → `<email>`; UUIDs → `<id>`;
 *   ISO-8601 dates and times, and clock times → `<time>`; IPv4/IPv6 addresses → `<ip>` and their
 *   ports → `<port>` (also `localhost:6379` → `localhost:<port>`; Node's unbracketed `::1:6379` is
 *   read as address + port when the last group is 2–5 decimal digits); POSIX, Windows and UNC paths →
 *   `<path>`; hex ids (8+ hex chars with a digit and a letter, or 0x…) → `<id>`; long mixed tokens
 *   (20+ letters and digits, at least 3 of each: ULIDs, API keys) → `<id>`; numbers → `<n>` (not
 *   digits glued after a letter, as in `utf8` or `E11000`); quoted strings → `<str>` unless they
 *   hold exactly one placeholder. HTTP status codes after `HTTP`, `status`, `status code` or
 *   `statusCode` are kept: a 503 and a 404 are different failures. Whitespace is collapsed and the
 *   result capped at MAX_NORMALIZED_LENGTH characters.
 */
import { createHash } from 'node:crypto';
import { isIPv6 } from 'node:net';

/** A failure's identity: `key` groups occurrences; `normalized` is what a person reads. */
export interface ErrorFingerprint {
  /** `<errorClass>:<16 hex chars of sha256(normalized)>` */
  key: string;
  normalized: string;
}

/** Messages longer than this are cut before normalizing (bounds the work per message). */
export const MAX_MESSAGE_INPUT = 4096;
/** The normalized message is cut to this many characters (an ellipsis marks the cut). */
export const MAX_NORMALIZED_LENGTH = 300;

// Private-use code points: digits we must keep (HTTP statuses) are shifted here so that the
// number rule cannot see them, then shifted back at the end. Input private-use chars are removed.
const PROTECT_BASE = 0xe030;
const PRIVATE_USE = /[\uE000-\uF8FF]/g;
const PROTECTED_DIGIT = /[\uE030-\uE039]/g;

const STATUS_CODE = /\b(HTTP(?:\/\d(?:\.\d)?)?|status(?: code)?|statusCode|response code)(\s*[:=]?\s*)([1-5]\d\d)(?!\d)/gi;
const QUOTED_PATH = /(["'`])((?:~|\.{1,2})?\/[^"'`\n]*|[A-Za-z]:[\\/][^"'`\n]*|\\\\[^"'`\n]+)\1/g;
const URL = /\b([a-z][a-z0-9+.-]{1,15}):\/\/([^\s/?#"'`<>]*)([^\s"'`<>]*)/gi;
const EMAIL = /[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g;
const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;
const ISO_TIME =
  /\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?(?![\w:])/g;
const CLOCK_TIME = /(?<![\w:.])\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?(?![\w:])/g;
const IPV4 = /(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.]|\.\d)(:\d{1,5}(?!\d))?/g;
const IPV6 = /\[([0-9a-f:.]+)\](:\d{1,5}(?!\d))?|(?<![\w:.])((?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4})(?![\w:.])/gi;
const HOST_PORT = /\b(localhost|(?:[a-z0-9-]+\.)+[a-z]{2,})(?::\d{1,5})(?![\d:])/gi;
const WINDOWS_PATH = /(?<![\w])(?:[A-Za-z]:[\\/]|\\\\[\w.$-]+\\)[^\s"'`<>|*?]*/g;
const POSIX_PATH = /(?<![\w:/.~<>-])(?:~|\.{1,2})?\/[^\s"'`<>()[\]{},;:]+/g;
const HEX_ID = /(?<![\w-])(?:0x[0-9a-f]+|(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,})(?![\w-])/gi;
const LONG_TOKEN = /(?<![\w-])(?=(?:[A-Za-z]*\d){3})(?=(?:\d*[A-Za-z]){3})[A-Za-z0-9]{20,}(?![\w-])/g;
const NUMBER = /(?<![A-Za-z\d<])\d+(?:[.,]\d+)*(?!\d)/g;
const QUOTED = /"([^"\n]*)"|(?<!\w)'([^'\n]*)'(?!\w)|`([^`\n]*)`|“([^”\n]*)”|‘([^’\n]*)’/g;
const SINGLE_PLACEHOLDER = /^<[a-z]+>$/;
const TRAILING_PUNCT = /[.,;:!?)\]}]+$/;

function protectDigits(text: string): string {
  return text.replace(/\d/g, (d) => String.fromCharCode(PROTECT_BASE + Number(d)));
}

/** Splits trailing sentence punctuation off a greedy match so that it stays in the text. */
function splitTrailing(match: string): [string, string] {
  const m = TRAILING_PUNCT.exec(match);
  return m ? [match.slice(0, m.index), m[0]] : [match, ''];
}

function foldUrl(_match: string, scheme: string, authority: string, rest: string): string {
  const [, restTrail] = splitTrailing(rest);
  const trimmedRest = rest.slice(0, rest.length - restTrail.length);
  let hostPort = authority;
  let trail = restTrail;
  if (!trimmedRest) {
    const [a, t] = splitTrailing(authority);
    hostPort = a;
    trail = t;
  }
  if (scheme.toLowerCase() === 'file') return `<path>${trail}`;
  hostPort = hostPort.slice(hostPort.lastIndexOf('@') + 1); // drop user:password@
  let host = hostPort;
  let port = '';
  const portMatch = /:(\d{1,5})$/.exec(hostPort);
  if (portMatch) {
    host = hostPort.slice(0, portMatch.index);
    port = ':<port>';
  }
  if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(host) || /^\[.*\]$/.test(host)) host = '<ip>';
  const path = trimmedRest && trimmedRest !== '/' ? '/<path>' : '';
  return `${scheme.toLowerCase()}://${host.toLowerCase()}${port}${path}${trail}`;
}

function foldIpv6(match: string, bracketed?: string, bracketPort?: string, bare?: string): string {
  if (bracketed !== undefined) return isIPv6(bracketed) ? (bracketPort ? '<ip>:<port>' : '<ip>') : match;
  const candidate = bare ?? '';
  // Node writes `${address}:${port}` unbracketed (`connect ECONNREFUSED ::1:6379`): a last group of
  // 2–5 decimal digits after a valid compressed address is read as a port.
  const lastColon = candidate.lastIndexOf(':');
  const head = candidate.slice(0, lastColon);
  const tail = candidate.slice(lastColon + 1);
  if (/^\d{2,5}$/.test(tail) && head.includes('::') && isIPv6(head)) return '<ip>:<port>';
  return isIPv6(candidate) ? '<ip>' : match;
}

function foldPath(match: string): string {
  const [, trail] = splitTrailing(match);
  return `<path>${trail}`;
}

function foldQuoted(match: string, ...groups: (string | undefined)[]): string {
  const content = groups.slice(0, 5).find((g) => g !== undefined) ?? '';
  return SINGLE_PLACEHOLDER.test(content.trim()) ? match : '<str>';
}

/**
 * Normalizes an error message (see the module comment for the folding rules).
 * Input: any message (null/undefined as empty). Output: the normalized text, at most
 * MAX_NORMALIZED_LENGTH characters. Pure, never throws.
 */
export function normalizeErrorMessage(message: string | null | undefined): string {
  let text = String(message ?? '').slice(0, MAX_MESSAGE_INPUT).replace(PRIVATE_USE, '');
  // Each rule runs only when its tell-tale character is present: most messages skip most rules.
  const has = (chars: string) => [...chars].some((c) => text.includes(c));
  if (has('0123456789')) text = text.replace(STATUS_CODE, (m) => protectDigits(m));
  if (has('"\'`')) text = text.replace(QUOTED_PATH, (_m, q: string) => `${q}<path>${q}`);
  if (text.includes('://')) text = text.replace(URL, foldUrl);
  if (has('@')) text = text.replace(EMAIL, '<email>');
  if (has('-')) text = text.replace(UUID, '<id>');
  if (has('-:')) text = text.replace(ISO_TIME, '<time>').replace(CLOCK_TIME, '<time>');
  if (has('.')) text = text.replace(IPV4, (_m, port?: string) => (port ? '<ip>:<port>' : '<ip>'));
  if (has(':')) text = text.replace(IPV6, foldIpv6).replace(HOST_PORT, '$1:<port>');
  if (has('\\:')) text = text.replace(WINDOWS_PATH, foldPath);
  if (has('/')) text = text.replace(POSIX_PATH, foldPath);
  text = text.replace(HEX_ID, (m) => (m.length < 10 && /^0x/i.test(m) ? '<n>' : '<id>'));
  text = text.replace(LONG_TOKEN, '<id>');
  text = text.replace(NUMBER, '<n>');
  if (has('"\'`“‘')) text = text.replace(QUOTED, foldQuoted);
  text = text.replace(PROTECTED_DIGIT, (c) => String(c.charCodeAt(0) - PROTECT_BASE));
  text = text.replace(/\s+/g, ' ').trim();
  if (text.length > MAX_NORMALIZED_LENGTH) text = `${text.slice(0, MAX_NORMALIZED_LENGTH - 1)}…`;
  return text;
}

/**
 * The fingerprint of a failure.
 * Input: the error class (an ErrorClass, or any label such as 'unclassified') and the message.
 * Output: `{ key, normalized }` where key = `<class>:<16 hex of sha256(normalized)>`. Pure, never throws.
 */
export function fingerprint(errorClass: string, message: string | null | undefined): ErrorFingerprint {
  const normalized = normalizeErrorMessage(message);
  const hash = createHash('sha256').update(normalized).digest('hex').slice(0, 16);
  return { key: `${errorClass}:${hash}`, normalized };
}
