// Read-only scripts on a Redis Cluster node. A script's KEYS must all hash to one slot (else the
// node answers CROSSSLOT before running it), yet the batch scripts take names straight from SCAN,
// which spans every slot a node serves. The cross-slot form passes no KEYS (so no redirection
// check) and hands the names over in ARGV: "n, key1..keyn, arg1..". A prologue rebuilds KEYS and
// ARGV as locals, so the original script text runs unchanged. The shebang (7.0+) declares what the
// script may do: no-writes (runs on replicas, EVALSHA_RO accepts it), allow-cross-slot-keys (7.0
// refuses undeclared keys of different slots otherwise), allow-stale (as plain EVAL, a replica
// whose link is down still answers). The node still refuses a key it does not serve ("non local
// key"): names come from its own SCAN, and replicas need READONLY on the connection.
// Pure: text in, text and arguments out.

const PROLOGUE = [
  "local n = tonumber(ARGV[1])",
  "local KEYS, A = {}, {}",
  "for i = 1, n do KEYS[i] = ARGV[i + 1] end",
  "for i = n + 2, #ARGV do A[#A + 1] = ARGV[i] end",
  "local ARGV = A",
].join("\n");

/** The cross-slot form of a script (without a shebang of its own). `shebang`: false before 7.0. */
export function crossSlotScript(script: string, shebang: boolean): string {
  if (script.startsWith("#!")) throw new Error("crossSlotScript: the script already has a shebang");
  const head = shebang ? "#!lua flags=no-writes,allow-cross-slot-keys,allow-stale\n" : "";
  return `${head}${PROLOGUE}\n${script}`;
}

/** EVAL arguments after the script / SHA: numkeys 0, then the key count, the keys, the args. */
export function crossSlotArgs(keys: readonly Buffer[], args: readonly (string | number | Buffer)[]): (string | number | Buffer)[] {
  return [0, keys.length, ...keys, ...args];
}
