// Readings of a real Redis 7.0.15 cluster, captured by tests/integration/cluster-core.test.ts
// (REPLSCOPE_CAPTURE_FIXTURES=1): masters A :27691 (0-5460), B :21261 (5461-10922), C :30387
// (10923-16383), one replica each. Slot 100 was migrated A → B by hand, 100 slots resharded C → B,
// then B was SIGKILLed and its replica :26139 promoted. Each file is [seed reading, ...others].
import { readFileSync } from "node:fs";
import path from "node:path";
import type { ClusterNodeReading } from "../../lib/cluster/model";

export const FIXTURES = path.join(__dirname, "..", "fixtures", "cluster");
export const readings = (name: string): ClusterNodeReading[] => JSON.parse(readFileSync(path.join(FIXTURES, `${name}.json`), "utf8")) as ClusterNodeReading[];
export const seedOf = (name: string): ClusterNodeReading => readings(name)[0]!;

export const A = "e38f8b482c8a3c8853d1d0f14718c16b5ddd92a1";
export const A_REPLICA = "d9ba5e514d5226df00e879951b2f91f50c38b6a5";
export const B = "8a69d50fe628103a18783de453100ab9340f948f";
export const B_REPLICA = "3f38269e356e2ab0c71cb8f9dfef6e739d48e84e";
export const C = "25d18b113cbd7b2365720a434e434a84789768b5";
export const C_REPLICA = "7621fe0d6fb234fb976805521b9a509299f0b15f";
