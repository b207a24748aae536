/**
 * Who holds each skb (ARCHITECTURE.md section 8: conservation from ownership, not counters). Every
 * packet that arrives is registered live with exactly one owner at a time: a device ring,
 * a CPU's backlog, a work item, a socket queue, or a handler working on it. Delivery and
 * drops release it. The invariant walk (sim/invariants.ts) asks every container owner
 * what it really holds and checks it against the registry, so a packet that falls out of
 * a queue is named with its last owner and the event that last touched it; releasing a
 * packet twice (delivered twice, delivered after a drop) is a WARN at once.
 */
import type { Kernel } from "../sim/kernel.js";
import type { Handler } from "../sim/ops.js";
import type { Skb } from "./skb.js";

export interface SkbOwner {
  readonly name: string;
  /**
   * The skbs it holds now, read from its own data structure (the ring's descriptors, the
   * queue's array). null for a handler holding one while it works on it: that hold is
   * checked when the handler lets go (`holding`).
   */
  readonly contents: (() => Iterable<Skb>) | null;
}

/** What became of a released skb. */
export const SKB_DELIVERED = 1;
export const SKB_DROPPED = 2;
const FATE = ["live", "delivered", "dropped"];

/** "nic0#12": the device's name and the packet's number on that device. */
export type SkbNamer = (skb: Skb) => string;

export class SkbRegistry {
  readonly live = new Set<Skb>();
  /** Container owners, walked by the invariant check. */
  readonly owners: SkbOwner[] = [];

  constructor(
    private readonly k: Kernel,
    readonly nameOf: SkbNamer,
  ) {}

  addOwner(o: SkbOwner): SkbOwner {
    this.owners.push(o);
    return o;
  }

  /** A new packet, first owned by `owner` (the wire, then the ring). */
  arrive(skb: Skb, owner: SkbOwner): void {
    this.live.add(skb);
    this.touch(skb, owner);
  }

  /** Hands `skb` to `owner`; a released skb cannot be handed on (use after free). */
  give(skb: Skb, owner: SkbOwner): void {
    if (skb.fate !== 0) {
      this.k.warn("an skb has exactly one owner", `skb ${this.nameOf(skb)} handed to ${owner.name} after it was ${FATE[skb.fate]} by ${skb.owner?.name ?? "nobody"} at event #${skb.touchedEvent}`);
      return;
    }
    this.touch(skb, owner);
  }

  /** Delivered or dropped: the skb leaves the registry. Twice is a WARN. */
  release(skb: Skb, fate: number, by: SkbOwner | null): boolean {
    if (!this.live.delete(skb)) {
      this.k.warn(
        "an skb has exactly one owner",
        `skb ${this.nameOf(skb)} ${FATE[fate]} by ${by?.name ?? "the stack"}, but it was already ${FATE[skb.fate]} by ${skb.owner?.name ?? "nobody"} at event #${skb.touchedEvent}`,
      );
      return false;
    }
    skb.fate = fate;
    if (by !== null) skb.owner = by;
    skb.touchedEvent = this.k.engine.fired + 1;
    skb.touchedNs = this.k.now;
    return true;
  }

  /**
   * `holder` owns `skb` while `body` runs; by the time it returns the skb must have been
   * passed on (queued, delivered or dropped), or it leaked right here.
   */
  *holding(skb: Skb, holder: SkbOwner, body: Handler): Handler {
    this.give(skb, holder);
    yield* body;
    if (skb.fate === 0 && skb.owner === holder) {
      this.k.warn("an skb has exactly one owner", `skb ${this.nameOf(skb)} leaked by ${holder.name}: it returned without passing the packet on (last touched at event #${skb.touchedEvent})`);
    }
  }

  private touch(skb: Skb, owner: SkbOwner): void {
    skb.owner = owner;
    skb.touchedEvent = this.k.engine.fired + 1;
    skb.touchedNs = this.k.now;
  }

  /**
   * The walk: every container's real contents against the registry. Returns violations
   * (empty when every live skb is where its owner says, and nothing else is anywhere).
   */
  walk(): string[] {
    const v: string[] = [];
    const found = new Map<Skb, SkbOwner>();
    for (const o of this.owners) {
      for (const skb of o.contents!()) {
        const prev = found.get(skb);
        if (prev !== undefined) v.push(`skb ${this.nameOf(skb)} is in both ${prev.name} and ${o.name}`);
        found.set(skb, o);
        if (skb.fate !== 0) v.push(`skb ${this.nameOf(skb)} is in ${o.name} but was ${FATE[skb.fate]} at event #${skb.touchedEvent}`);
        else if (skb.owner !== o) v.push(`skb ${this.nameOf(skb)} is in ${o.name} but owned by ${skb.owner?.name ?? "nobody"}`);
      }
    }
    for (const skb of this.live) {
      const o = skb.owner;
      if (o === null || (o.contents !== null && found.get(skb) !== o)) {
        v.push(`skb ${this.nameOf(skb)} leaked: its owner ${o?.name ?? "(none)"} does not hold it; last touched at event #${skb.touchedEvent} (${skb.touchedNs} ns)`);
      }
    }
    return v;
  }

  /** Live skbs per owner name, in first-seen order: where the packets in flight are. */
  byOwner(): Map<string, number> {
    const m = new Map<string, number>();
    for (const skb of this.live) {
      const n = skb.owner?.name ?? "(none)";
      m.set(n, (m.get(n) ?? 0) + 1);
    }
    return m;
  }
}
