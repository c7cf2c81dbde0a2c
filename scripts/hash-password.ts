// Prints a scrypt hash for a config file's "users" entry: npm run hash-password (reads the password
// from stdin, so it stays out of shell history), or: echo -n 'secret' | npm run -s hash-password
import { hashPassword } from "../lib/auth/password";

async function main(): Promise<void> {
  const chunks: Buffer[] = [];
  if (process.stdin.isTTY) process.stderr.write("password: ");
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const password = Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
  if (password.length < 8) {
    console.error("hash-password: use at least 8 characters");
    process.exit(2);
  }
  console.log(hashPassword(password));
}

void main();
