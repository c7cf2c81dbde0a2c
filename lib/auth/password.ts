// scrypt password hashes ("scrypt$N$r$p$salt$hash", base64url parts) and constant-time checks.
import { randomBytes, scryptSync, timingSafeEqual } from "node:crypto";

const N = 16384;
const R = 8;
const P = 1;
const KEYLEN = 32;

export function hashPassword(password: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password, salt, KEYLEN, { N, r: R, p: P });
  return ["scrypt", N, R, P, salt.toString("base64url"), hash.toString("base64url")].join("$");
}

export function verifyPassword(password: string, stored: string): boolean {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [, n, r, p, saltB64, hashB64] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(hashB64, "base64url");
  const actual = scryptSync(password, Buffer.from(saltB64, "base64url"), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * A well-formed hash, with today's parameters, of a password nobody knows. Checking a login for a
 * user name that does not exist against it costs the same scrypt as a real check, so the answer's
 * timing does not tell which names exist.
 */
const NOBODY = ["scrypt", N, R, P, randomBytes(16).toString("base64url"), randomBytes(KEYLEN).toString("base64url")].join("$");

export function verifyNobody(password: string): false {
  verifyPassword(password, NOBODY);
  return false;
}

export function safeEqualStrings(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

export function generatePassword(): string {
  return randomBytes(15).toString("base64url");
}
