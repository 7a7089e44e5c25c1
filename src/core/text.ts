/**
 * Emails are compared and stored trimmed and lower-cased (the whole address:
 * a store must not hold two accounts for `Alice@x` and `alice@x`) and in
 * Unicode NFC, so the same address typed on two keyboards is one account.
 */
export function normalizeEmail(email: string): string {
  return email.trim().normalize('NFC').toLowerCase();
}

/**
 * What a text value from a client may look like. Lengths count UTF-16 code
 * units, as `string.length` does, so a limit here compares directly with the
 * limits the services check.
 */
export interface TextRule {
  /** The most characters the value may have. */
  maxLength: number;
  /** Whether tabs and line breaks may appear inside the value (descriptions, review bodies). */
  multiline: boolean;
}

/**
 * For a value nobody gave a rule: generous, so it only stops absurd values,
 * and single-line, because almost every text input is a name, key or ID.
 */
export const DEFAULT_TEXT_RULE: TextRule = { maxLength: 1000, multiline: false };

/** Why a text value was refused, most specific first; see `describeTextProblem`. */
export type TextProblem =
  | { kind: 'too-long'; maxLength: number }
  | { kind: 'nul' }
  | { kind: 'unpaired-surrogate' }
  | { kind: 'control'; codePoint: number }
  | { kind: 'line-break'; codePoint: number };

const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const LINE_SEPARATOR = 0x2028;
const PARAGRAPH_SEPARATOR = 0x2029;

/** C0 controls, DEL and C1 controls: invisible, never meant in text a person typed. */
function isControl(code: number): boolean {
  return code < 0x20 || (code >= 0x7f && code <= 0x9f);
}

function isLineBreak(code: number): boolean {
  return code === TAB || code === LF || code === CR || code === LINE_SEPARATOR || code === PARAGRAPH_SEPARATOR;
}

/**
 * Checks one value against a rule and returns the first problem, or null when
 * the value is acceptable:
 * - longer than `maxLength`;
 * - a NUL character (PostgreSQL cannot store it in text, and the query fails);
 * - an unpaired UTF-16 surrogate (not Unicode: the driver would silently turn it into U+FFFD);
 * - any other control character, except tab, LF and CR in multi-line text;
 * - for single-line text, a tab or line break (LF, CR, U+2028, U+2029) inside
 *   the value. Around it they are left alone: the services trim names, emails
 *   and searches, and refuse keys with surrounding whitespace with their own,
 *   more specific user errors.
 * The length is checked first, so an enormous value is refused without being scanned.
 */
export function findTextProblem(value: string, rule: TextRule): TextProblem | null {
  if (value.length > rule.maxLength) return { kind: 'too-long', maxLength: rule.maxLength };
  // Where the trimmed text starts and ends: single-line rules apply only in between.
  const start = value.length - value.trimStart().length;
  const end = value.trimEnd().length;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code === 0) return { kind: 'nul' };
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return { kind: 'unpaired-surrogate' };
      i++; // a well-formed pair is one astral character: skip its low half
      continue;
    }
    if (code >= 0xdc00 && code <= 0xdfff) return { kind: 'unpaired-surrogate' };
    if (isLineBreak(code)) {
      if (!rule.multiline && i >= start && i < end) return { kind: 'line-break', codePoint: code };
      continue;
    }
    if (isControl(code)) return { kind: 'control', codePoint: code };
  }
  return null;
}

function codePointName(code: number): string {
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * A sentence for a client, to follow the field's name ("…must be at most 100
 * characters."). It names the kind of character, never the value itself: the
 * value is what the client sent, and may be anything.
 */
export function describeTextProblem(problem: TextProblem): string {
  switch (problem.kind) {
    case 'too-long':
      return `must be at most ${problem.maxLength} characters`;
    case 'nul':
      return 'must not contain a NUL character (U+0000)';
    case 'unpaired-surrogate':
      return 'is not valid Unicode: it contains an unpaired surrogate';
    case 'control':
      return `must not contain control characters (found ${codePointName(problem.codePoint)})`;
    case 'line-break':
      return `must be a single line: no tab or line break inside it (found ${codePointName(problem.codePoint)})`;
  }
}
