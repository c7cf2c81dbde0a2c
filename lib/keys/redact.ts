// What a viewer sees of a key when the config hides values from viewers (viewerValues: false):
// its name, type, TTL and, across nodes, whether the copies are equal, different or behind.
// Nothing derived from the value: no value, digest, length, encoding, memory usage, page cursor,
// or a difference detail such as "length 7 on master, 8 on replica". Pure.
import { HIDDEN_DIFFERENCE_DETAIL } from "../redis/fingerprint";
import type { NodeColumn, SideBySide } from "./side-by-side";
import type { KeyDetails } from "./value";

export type HiddenKeyDetails = Omit<KeyDetails, "value" | "length" | "encoding" | "memory" | "nextCursor"> & {
  value: null;
  length: null;
  encoding: null;
  memory: null;
  nextCursor?: undefined;
  valueHidden: true;
};

export function redactKeyDetails(d: KeyDetails): HiddenKeyDetails {
  return { key: d.key, display: d.display, type: d.type, ttl: d.ttl, length: null, encoding: null, memory: null, value: null, truncated: false, valueHidden: true };
}

export function redactColumn(n: NodeColumn): NodeColumn & { valueHidden: true } {
  return {
    ...n,
    length: null,
    digest: null,
    // Its wording states value sizes ("1.2 MB string", "2000000 elements").
    digestNote: n.digestNote === null ? null : "not compared here",
    encoding: null,
    details: null,
    difference: n.difference ? { kind: n.difference.kind, detail: HIDDEN_DIFFERENCE_DETAIL[n.difference.kind] } : null,
    valueHidden: true,
  };
}

export function redactSideBySide(s: SideBySide): SideBySide {
  return { ...s, nodes: s.nodes.map(redactColumn) };
}
