// Redis glob patterns (SCAN MATCH), checked before they reach a production server. Redis itself
// accepts almost anything and silently treats odd patterns as literals, which surprises operators.
// Pure.
import { KeyQueryError } from "../redis/errors";

export const MAX_PATTERN_LENGTH = 1024;
/** Many '*' make stringmatchlen backtrack hard on every scanned key; no real browse needs more. */
export const MAX_PATTERN_STARS = 32;

export class InvalidGlobError extends KeyQueryError {
  override name = "InvalidGlobError";
}

/** null when the pattern is usable, else a message suitable for a 400 response. */
export function validateGlob(pattern: string): string | null {
  if (pattern.length === 0) return "pattern is empty; omit it to match every key";
  if (pattern.length > MAX_PATTERN_LENGTH) {
    return `pattern is ${pattern.length} characters long; the limit is ${MAX_PATTERN_LENGTH}`;
  }
  let stars = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") {
      if (i === pattern.length - 1) return "pattern ends with a lone '\\'; write '\\\\' for a literal backslash";
      i++;
    } else if (c === "*") {
      stars++;
    } else if (c === "[") {
      const close = classEnd(pattern, i);
      if (close < 0) return `unbalanced '[' at position ${i}; write '\\[' for a literal bracket`;
      const body = pattern.slice(i + 1, close);
      if (body === "" || body === "^") return `empty character class at position ${i} matches nothing`;
      i = close;
    }
  }
  if (stars > MAX_PATTERN_STARS) return `pattern has ${stars} '*'; the limit is ${MAX_PATTERN_STARS}`;
  return null;
}

export function assertValidGlob(pattern: string): void {
  const problem = validateGlob(pattern);
  if (problem) throw new InvalidGlobError(problem);
}

/** Index of the ']' closing the class opened at `open`, honouring '\' escapes; -1 if none. */
function classEnd(pattern: string, open: number): number {
  for (let j = open + 1; j < pattern.length; j++) {
    if (pattern[j] === "\\") j++;
    else if (pattern[j] === "]") return j;
  }
  return -1;
}

/** True when the pattern has no unescaped * ? [ — it names exactly one key, so look it up directly. */
export function isLiteralPattern(pattern: string): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") i++;
    else if (c === "*" || c === "?" || c === "[") return false;
  }
  return true;
}

/** The key a literal pattern names: "a\*b" -> "a*b". */
export function unescapeLiteral(pattern: string): string {
  return pattern.replace(/\\(.)/gsu, "$1");
}

/** Escape a literal (e.g. a tree folder prefix) so it can start a pattern: escapeGlob("a*:") + "*". */
export function escapeGlob(literal: string): string {
  return literal.replace(/[*?[\]\\]/g, "\\$&");
}
