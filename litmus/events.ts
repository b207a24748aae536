/**
 * Events of an LKMM execution, as herd7 generates them for C code
 * (herdtools7 herd/CSem.ml) and classifies them (tools/memory-model/linux-kernel.bell,
 * lock.cat): memory reads and writes with their annotation, fences, and the spinlock
 * events LKR/LKW (spin_lock), UL (spin_unlock), LF (failed spin_trylock), RL/RU
 * (spin_is_locked returning true/false).
 */
import type { AccessTag, FenceTag } from "./ast.js";
import type { Value } from "./values.js";

export type EventKind = "R" | "W" | "F" | "LKR" | "LKW" | "UL" | "LF" | "RL" | "RU";

/** An event of one thread's path, before it is placed in a whole execution. */
export interface ThreadEvent {
  kind: EventKind;
  /** The shared variable accessed (none for fences). */
  loc: string | null;
  /** The value read or written (none for fences and lock events). */
  value: Value | null;
  tag: AccessTag | null;
  fence: FenceTag | null;
  /** Part of a read-modify-write instruction (bell: `instructions RMW[Accesses]`). */
  rmwInstr: boolean;
  /** For the read of a successful RMW (or spin_lock's LKR): index of its write in the path. */
  rmwWrite: number | null;
  /** Thread-local indices of the reads this event depends on (herd's addr, data, ctrl before `carry-dep`). */
  addr: number[];
  data: number[];
  ctrl: number[];
  line: number;
}

export function isRead(k: EventKind): boolean {
  return k === "R" || k === "LKR" || k === "LF" || k === "RL" || k === "RU";
}

export function isWrite(k: EventKind): boolean {
  return k === "W" || k === "LKW" || k === "UL";
}

export function isLockEvent(k: EventKind): boolean {
  return k === "LKR" || k === "LKW" || k === "UL" || k === "LF" || k === "RL" || k === "RU";
}
