// INFO output captured from redis-server 7.0.15 (tests/fixtures/redis-7.0.15/info), and single-field
// edits of it for the cases no capture covers. The edit refuses a field that is not there, so a test
// can never quietly run on unchanged text.
import { readFileSync } from "node:fs";
import path from "node:path";

const FIXTURES = path.join(__dirname, "..", "fixtures", "redis-7.0.15", "info");

export const raw = (name: string): string => readFileSync(path.join(FIXTURES, name), "utf8");

export function setField(text: string, key: string, value: string): string {
  const re = new RegExp(`^${key}:[^\\r\\n]*`, "m");
  if (!re.test(text)) throw new Error(`no ${key} line`);
  return text.replace(re, `${key}:${value}`);
}

export function setFields(text: string, fields: Record<string, string>): string {
  return Object.entries(fields).reduce((t, [k, v]) => setField(t, k, v), text);
}
