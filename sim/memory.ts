/**
 * Shared memory with a weak, barrier-respecting model (ARCHITECTURE.md section 5): descriptor
 * fields, ring indices, doorbells, locks and the payload words that travel between
 * contexts.
 *
 * Every location keeps its last HISTORY stores, in coherence order (a store is appended:
 * the simulation is one global interleaving, so co follows time). Every agent (a CPU, or a
 * device's DMA engine) has views: a read may return any kept store that the reader is not
 * yet obliged to see, and barriers, release/acquire, locks and dependencies are what oblige
 * it. This is the view-based operational reading of release/acquire fences (as in the
 * "promising" semantics of Kang et al., without promises), strengthened where the LKMM is
 * stronger than C11:
 *
 *   cur   stores this agent must see: a vector clock, agent -> store sequence number,
 *         meaning "every store by that agent up to that number" (a fence orders all of
 *         them, so a per-agent cut is exact for fences and releases);
 *   seen  per location: the newest store the agent read or wrote there (coherence: CoRR,
 *         CoWR, CoRW, CoWW);
 *   acq   the views of the stores it has read, waiting for an acquire to make them binding
 *         (smp_rmb / dma_rmb / smp_load_acquire / spin_lock / smp_mb);
 *   obs   every store it has read or written, published by smp_store_release, spin_unlock
 *         and smp_mb (the LKMM's release and strong fences are A-cumulative:
 *         tools/memory-model/linux-kernel.cat `A-cumul`); publishing a whole per-writer
 *         cut is stronger than the LKMM, which only forbids more outcomes;
 *   rel   the view attached to its later plain stores: smp_wmb / dma_wmb add the agent's
 *         own earlier stores (wmb is not A-cumulative, so nothing it merely read).
 *
 * smp_mb also joins a global "SC view", so two CPUs' full fences are ordered (SB+mbs is
 * forbidden). The model never reorders a CPU's stores among themselves in coherence
 * order and never lets a load see a later store of the same CPU's program (no load
 * buffering): outcomes such as LB or 2+2W, allowed by the LKMM, are never produced. Every
 * outcome it does produce is one the LKMM allows; test/memory.test.ts checks that against
 * the litmus enumerator on the kernel's own litmus tests.
 *
 * A device's DMA writes are ordered among themselves (PCIe posted writes are not
 * reordered), so every device store carries its own earlier stores. A device reads its
 * doorbell register as an acquire: a CPU's wmb() before the MMIO write is what makes the
 * descriptors it wrote visible to the device (Documentation/memory-barriers.txt, "Kernel
 * I/O barrier effects" and dma_wmb()/dma_rmb()).
 *
 * `model: "sc"` turns all of it off: every load returns the newest store. In `lkmm`, a load
 * with a choice returns an older store with probability `weakness`, drawn from the
 * reader's own stream (`memory.CPU0`, `memory.nic0`: per agent, so a new device leaves
 * every other agent's draws alone), and only if the newer stores were made within the last `window` ns
 * (store buffers drain and speculation resolves quickly; a store from a millisecond ago is
 * visible everywhere).
 */
import type { RandomStream } from "./rng.js";

export type MemoryModel = "lkmm" | "sc";

export interface MemoryConfig {
  model: MemoryModel;
  /** Probability that a load which may legally return a stale value does. */
  weakness: number;
  /** How long a store may stay invisible to a CPU that is not obliged to see it, ns. */
  window: number;
}

export const DEFAULT_MEMORY: MemoryConfig = { model: "lkmm", weakness: 0.25, window: 500 };

/** Stores kept per location: how far back a stale load can reach. */
const HISTORY = 4;

export interface Store {
  value: number;
  /** Global store sequence number: the position in coherence order of its location. */
  seq: number;
  /** Agent index of the writer. */
  writer: number;
  /** Simulated time of the store, ns. */
  at: number;
  /** What a reader that acquires this store must then see (immutable, shared). */
  view: View | null;
  /** The store also carries every earlier store of its writer (release, device DMA). */
  prefix: boolean;
}

export class Location {
  /** Ring of the last HISTORY stores; `top` indexes the newest. */
  readonly stores: Store[] = [];
  top = 0;
  /** Per agent: sequence number of the newest store it read or wrote here. */
  readonly seen: Float64Array;

  constructor(
    readonly name: string,
    agents: number,
    init: number,
  ) {
    this.seen = new Float64Array(agents);
    this.stores.push({ value: init, seq: 0, writer: -1, at: 0, view: null, prefix: false });
  }

  get newest(): Store {
    return this.stores[this.top]!;
  }

  /** The latest value in coherence order (what a sequentially consistent load sees). */
  get value(): number {
    return this.stores[this.top]!.value;
  }
}

/** Access modes (bits). */
export const PLAIN = 0;
/** smp_load_acquire / smp_store_release. */
export const ACQUIRE = 1;
export const RELEASE = 2;

interface AgentState {
  readonly name: string;
  readonly cur: View;
  readonly acq: View;
  readonly obs: View;
  rel: View | null;
  /** A store carries `rel`: change a copy, never it (copy-on-write; most fences are not followed by a store before the next). */
  relShared: boolean;
  /** Sequence number of this agent's latest store. */
  own: number;
  /** The release view of its latest spin_unlock (po-unlock-lock-po). */
  unlockView: View | null;
  /** A device: its stores are ordered (each carries the earlier ones). */
  readonly ordered: boolean;
  /** This agent's staleness stream. */
  readonly rng: RandomStream;
}

/** What the last load returned, for reports (valid until the next load). */
export interface LastLoad {
  store: Store;
  newest: Store;
  /** The load returned an older store than the newest. */
  stale: boolean;
}

export class Memory {
  readonly agents: AgentState[] = [];
  readonly counters = { loads: 0, choices: 0, stale: 0, stores: 0, fences: 0 };
  readonly last: LastLoad;
  private seq = 0;
  private readonly sc: View;
  private readonly weak: boolean;
  private readonly free: Location[] = [];
  private tempSerial = 0;

  constructor(
    private readonly clock: { readonly now: number },
    readonly config: MemoryConfig,
    /** The staleness stream of each agent, by its name (one stream per agent). */
    private readonly streamFor: (agentName: string) => RandomStream,
    /** Upper bound on agents: CPUs plus DMA-capable devices. */
    readonly maxAgents: number,
  ) {
    this.weak = config.model === "lkmm";
    this.sc = zeros(maxAgents);
    const init: Store = { value: 0, seq: 0, writer: -1, at: 0, view: null, prefix: false };
    this.last = { store: init, newest: init, stale: false };
  }

  /** A CPU or device that loads and stores; returns its agent index. */
  addAgent(name: string, ordered: boolean): number {
    if (this.agents.length >= this.maxAgents) throw new Error(`memory: more than ${this.maxAgents} agents`);
    const n = this.maxAgents;
    this.agents.push({ name, cur: zeros(n), acq: zeros(n), obs: zeros(n), rel: null, relShared: false, own: 0, unlockView: null, ordered, rng: this.streamFor(name) });
    return this.agents.length - 1;
  }

  agentName(agent: number): string {
    return agent < 0 ? "init" : this.agents[agent]!.name;
  }

  alloc(name: string, init = 0): Location {
    return new Location(name, this.maxAgents, init);
  }

  /**
   * A location for one hand-off (an skb's payload word on its way to a socket, a work
   * item's data), recycled when the consumer is done. A recycled location keeps its
   * history: without publication, the consumer may see the previous user's value.
   */
  allocTemp(prefix: string): Location {
    return this.free.pop() ?? this.alloc(`${prefix}#${this.tempSerial++}`);
  }

  freeTemp(loc: Location): void {
    this.free.push(loc);
  }

  /**
   * READ_ONCE (mode PLAIN) or smp_load_acquire (ACQUIRE). `deps` are the loads the address
   * was computed from (copies of `last.store`): an address dependency orders this load
   * after them, as READ_ONCE has guaranteed since Linux 4.15.
   */
  read(loc: Location, agent: number, mode = PLAIN, deps: readonly Store[] | null = null): number {
    this.counters.loads++;
    const s = this.weak ? this.choose(loc, agent, deps) : loc.newest;
    const last = this.last;
    last.store = s;
    last.newest = loc.newest;
    last.stale = s !== loc.newest;
    if (this.weak) this.observe(loc, s, agent, (mode & ACQUIRE) !== 0);
    return s.value;
  }

  /** WRITE_ONCE / DMA write (PLAIN) or smp_store_release (RELEASE). */
  write(loc: Location, value: number, agent: number, mode = PLAIN): void {
    this.counters.stores++;
    const seq = ++this.seq;
    let view: View | null = null;
    let prefix = false;
    if (this.weak) {
      const a = this.agents[agent]!;
      if ((mode & RELEASE) !== 0) {
        view = join3(a.cur, a.acq, a.obs);
        prefix = true;
      } else {
        view = a.rel;
        a.relShared = true;
        prefix = a.ordered;
      }
      a.own = seq;
      a.obs[agent] = seq;
      loc.seen[agent] = seq;
    }
    this.push(loc, value, seq, agent, view, prefix);
  }

  /**
   * A fully ordered read-modify-write (xchg, test_and_set_bit, atomic_*_return): smp_mb()
   * on both sides, and the read sees the newest store (atomicity). Returns the old value.
   */
  rmw(loc: Location, agent: number, update: (old: number) => number): number {
    this.mb(agent);
    const old = this.readExclusive(loc, agent, PLAIN);
    this.write(loc, update(old), agent);
    this.mb(agent);
    return old;
  }

  /** spin_lock: an acquiring RMW of the lock word (lock.cat: LKR is an acquire). */
  spinLock(lock: Location, agent: number): void {
    this.readExclusive(lock, agent, ACQUIRE);
    if (this.weak) {
      // po-unlock-lock-po (linux-kernel.cat) orders what came before an unlock -- of this
      // lock by whoever held it, or of any lock by this CPU -- before what follows the
      // lock: as a fence for this CPU's loads, and as a cumul-fence for its stores.
      const a = this.agents[agent]!;
      joinInto(a.cur, a.acq);
      const s = lock.newest;
      const rel = this.writableRel(a);
      if (s.writer >= 0) absorb(rel, s);
      if (a.unlockView !== null) joinInto(rel, a.unlockView);
    }
    this.write(lock, 1, agent);
  }

  /** spin_unlock: a release store of the lock word. */
  spinUnlock(lock: Location, agent: number): void {
    this.write(lock, 0, agent, RELEASE);
    if (this.weak) this.agents[agent]!.unlockView = lock.newest.view;
  }

  /** A device reading its own register (the doorbell) latched by an MMIO write: acquire. */
  readRegister(reg: Location, agent: number): number {
    return this.readExclusive(reg, agent, ACQUIRE);
  }

  /** smp_rmb / dma_rmb: loads after it see what loads before it were shown. */
  rmb(agent: number): void {
    this.counters.fences++;
    if (!this.weak) return;
    const a = this.agents[agent]!;
    joinInto(a.cur, a.acq);
  }

  /** smp_wmb / dma_wmb / wmb: stores after it carry the stores before it. */
  wmb(agent: number): void {
    this.counters.fences++;
    if (!this.weak) return;
    const a = this.agents[agent]!;
    if (a.rel !== null && a.rel[agent]! >= a.own) return;
    this.writableRel(a)[agent] = a.own;
  }

  /** smp_mb / mb: both of the above, A-cumulative, and ordered with every other smp_mb. */
  mb(agent: number): void {
    this.counters.fences++;
    if (!this.weak) return;
    const a = this.agents[agent]!;
    // In one pass: cur |= acq | sc; sc |= cur | obs; and rel |= cur | obs | acq, which is
    // the new sc (acq is now inside cur). rel is copied (copy-on-write) only if it grows.
    const cur = a.cur;
    const acq = a.acq;
    const obs = a.obs;
    const sc = this.sc;
    const rel = a.rel;
    let relGrows = rel === null;
    for (let i = 0; i < cur.length; i++) {
      let c = cur[i]!;
      if (acq[i]! > c) c = acq[i]!;
      if (sc[i]! > c) c = sc[i]!;
      cur[i] = c;
      if (obs[i]! > c) c = obs[i]!;
      sc[i] = c;
      if (!relGrows && c > rel![i]!) relGrows = true;
    }
    if (relGrows) joinInto(this.writableRel(a), sc);
  }

  /** The agent's `rel`, safe to change in place. */
  private writableRel(a: AgentState): View {
    if (a.rel === null) a.rel = zeros(this.maxAgents);
    else if (a.relShared) a.rel = a.rel.slice();
    a.relShared = false;
    return a.rel;
  }

  /**
   * The read half of an atomic RMW (or a lock, or a device register): it always sees the
   * newest store, which is what makes the RMW atomic. `mode` ACQUIRE for the _acquire
   * forms and locks.
   */
  readExclusive(loc: Location, agent: number, mode = PLAIN): number {
    this.counters.loads++;
    const s = loc.newest;
    const last = this.last;
    last.store = s;
    last.newest = s;
    last.stale = false;
    if (this.weak) this.observe(loc, s, agent, (mode & ACQUIRE) !== 0);
    return s.value;
  }

  private observe(loc: Location, s: Store, agent: number, acquire: boolean): void {
    if (s.writer < 0) return;
    const a = this.agents[agent]!;
    if (s.seq > loc.seen[agent]!) loc.seen[agent] = s.seq;
    if (s.seq > a.obs[s.writer]!) a.obs[s.writer] = s.seq;
    absorb(a.acq, s);
    if (acquire) absorb(a.cur, s);
  }

  /** The store a load returns: the newest, or (weakly) an older one it may still see. */
  private choose(loc: Location, agent: number, deps: readonly Store[] | null): Store {
    const n = loc.stores.length;
    const a = this.agents[agent]!;
    const cutoff = this.clock.now - this.config.window;
    let allowed = 1;
    // From the newest store back: s may be skipped (an older store read instead) only if
    // nothing obliges the reader to see it and it is recent enough to still be on its way.
    for (let back = 0, i = loc.top; back < n - 1; back++, i = i === 0 ? n - 1 : i - 1) {
      const s = loc.stores[i]!;
      if (s.seq <= loc.seen[agent]! || s.at <= cutoff || s.seq <= a.cur[s.writer]!) break;
      if (deps !== null && coversAny(deps, s)) break;
      allowed++;
    }
    if (allowed === 1) return loc.newest;
    this.counters.choices++;
    const rng = a.rng;
    if (rng.next() >= this.config.weakness) return loc.newest;
    this.counters.stale++;
    const back = 1 + rng.int(allowed - 1);
    return loc.stores[(loc.top - back + n) % n]!;
  }

  private push(loc: Location, value: number, seq: number, writer: number, view: View | null, prefix: boolean): void {
    const at = this.clock.now;
    if (loc.stores.length < HISTORY) {
      loc.stores.push({ value, seq, writer, at, view, prefix });
      loc.top = loc.stores.length - 1;
      return;
    }
    // Reuse the oldest record: a long run allocates nothing per store.
    loc.top = (loc.top + 1) % HISTORY;
    const s = loc.stores[loc.top]!;
    s.value = value;
    s.seq = seq;
    s.writer = writer;
    s.at = at;
    s.view = view;
    s.prefix = prefix;
  }
}

/**
 * A vector clock over agents: agent -> store sequence number. Plain arrays, not typed
 * ones: views are small and allocated at every release, where a typed array's
 * allocation costs several times a plain array's in V8.
 */
type View = number[];

function zeros(n: number): View {
  // Pushed, not `new Array(n).fill(0)`: that array stays "holey" in V8, and every join
  // over it pays a hole check.
  const v: View = [];
  for (let i = 0; i < n; i++) v.push(0);
  return v;
}

/** Whether a reader that acquired `from` must see store `s`. */
function covers(from: Store, s: Store): boolean {
  if (from.writer < 0) return false;
  if (from.prefix && s.writer === from.writer && s.seq <= from.seq) return true;
  return from.view !== null && s.seq <= from.view[s.writer]!;
}

function coversAny(deps: readonly Store[], s: Store): boolean {
  for (let i = 0; i < deps.length; i++) if (covers(deps[i]!, s)) return true;
  return false;
}

/** v joined with everything a reader of `s` must see. */
function absorb(v: View, s: Store): void {
  if (s.view !== null) joinInto(v, s.view);
  if (s.prefix && s.seq > v[s.writer]!) v[s.writer] = s.seq;
}

function joinInto(into: View, from: View): void {
  for (let i = 0; i < into.length; i++) if (from[i]! > into[i]!) into[i] = from[i]!;
}

function join3(a: View, b: View, c: View): View {
  const out = a.slice();
  joinInto(out, b);
  joinInto(out, c);
  return out;
}
