/**
 * The Linux-kernel memory model (LKMM) as a consistency check on one candidate execution.
 * This is a transcription of tools/memory-model/linux-kernel.bell, lock.cat and
 * linux-kernel.cat (the lkmmv2 variant selected by linux-kernel.cfg): one `let` per cat
 * definition, named and ordered as there, using the relation algebra of relation.ts. The
 * rf/co-independent definitions are computed once per set of events (`fixedRelations`),
 * and the ones up to `ppo` are shared with the enumerator's pruning (`localOrder`).
 *
 * Implemented: event classes and annotation filtering (Acquire, Release, Mb, Noreturn,
 * FailedRMW), carry-dep through plain and marked accesses, coherence, atomicity, ppo with
 * address/data/control dependencies, every fence of the bell (smp_mb/rmb/wmb,
 * before/after-atomic, after-spinlock, after-unlock-lock, barrier), release/acquire,
 * po-unlock-lock-po, cumul-fence, prop, hb, pb, RCU (rcu-rscs matching, rcu-link,
 * rcu-order, rcu-fence, rb), the lock.cat rules (handled partly by the enumerator: see
 * executions.ts), plain-access coherence, and the flags data-race, mixed-accesses,
 * unmatched-rcu-lock/unlock and unmatched-unlock.
 * Not implemented: SRCU (srcu-rscs, Sync-srcu, After-srcu-read-unlock) - the parser
 * rejects SRCU primitives, so the SRCU terms of the cat are empty here.
 */
import type { AccessTag, FenceTag } from "./ast.js";
import type { EventKind } from "./events.js";
import { EventSet, Relation } from "./relation.js";

/** An event of a whole execution; init writes have `proc` -1. */
export interface ExecEvent {
  kind: EventKind;
  proc: number;
  loc: string | null;
  tag: AccessTag | null;
  fence: FenceTag | null;
  rmwInstr: boolean;
  isInit: boolean;
}

/** What the model needs about one execution that does not change with rf/co. */
export class ExecutionShape {
  readonly n: number;
  readonly po: Relation;
  readonly int: Relation;
  readonly ext: Relation;
  readonly loc: Relation;
  readonly poLoc: Relation;
  readonly addr0: Relation;
  readonly data0: Relation;
  readonly ctrl0: Relation;
  readonly sets: ReturnType<typeof classify>;
  readonly hasPlain: boolean;
  readonly hasSyncRcu: boolean;
  readonly rcuRscsi: Relation;
  /** Flags that depend only on the events (bell/lock.cat `flag`s). */
  readonly staticFlags: string[];
  /** The relations of the cat that do not depend on rf or co, computed once per shape. */
  readonly fixed: ReturnType<typeof fixedRelations>;

  constructor(
    readonly events: ExecEvent[],
    deps: { addr: [number, number][]; data: [number, number][]; ctrl: [number, number][] },
    /** spin_lock's LKR->LKW pairs and successful RMW read->write pairs. */
    readonly rmw: Relation,
    extraFlags: string[],
  ) {
    const n = (this.n = events.length);
    this.po = Relation.where(n, (a, b) => !events[a]!.isInit && events[a]!.proc === events[b]!.proc && a < b && !events[b]!.isInit);
    this.int = Relation.where(n, (a, b) => !events[a]!.isInit && !events[b]!.isInit && events[a]!.proc === events[b]!.proc);
    this.ext = Relation.where(n, (a, b) => !this.int.has(a, b));
    this.loc = Relation.where(n, (a, b) => events[a]!.loc !== null && events[a]!.loc === events[b]!.loc);
    this.poLoc = this.po.inter(this.loc);
    this.addr0 = Relation.fromPairs(n, deps.addr);
    this.data0 = Relation.fromPairs(n, deps.data);
    this.ctrl0 = Relation.fromPairs(n, deps.ctrl);
    this.sets = classify(events, rmw);
    this.hasPlain = !this.sets.Plain.isEmpty();
    this.hasSyncRcu = !this.sets.SyncRcu.isEmpty();
    const flags = new Set(extraFlags);
    const rscs = rcuRscs(events);
    this.rcuRscsi = rscs.matched.inverse();
    if (rscs.unmatchedLock) flags.add("unmatched-rcu-lock");
    if (rscs.unmatchedUnlock) flags.add("unmatched-rcu-unlock");
    this.staticFlags = [...flags];
    this.fixed = fixedRelations(this);
  }
}

/**
 * The rf/co-independent part of linux-kernel.cat: release/acquire, fences and their
 * po-only halves. `po-unlock-lock-po` and the after-unlock-lock term of `mb` also depend
 * on rf; their rf parts are added per candidate.
 */
function fixedRelations(shape: ExecutionShape) {
  const S = shape.sets;
  const po = shape.po;
  const id = (s: EventSet): Relation => Relation.id(s);
  const fencerel = (s: EventSet): Relation => po.restrict(null, s).seq(po);
  const M = id(S.M);
  const acqPo = id(S.Acquire).seq(po).seq(M);
  const poRel = M.seq(po).seq(id(S.Release));
  const hasLocks = !S.UL.isEmpty() && !S.LKR.isEmpty();
  // po ; [UL] ; po ; [LKR] ; po  (the `po` half of `(po|rf)`).
  const poUnlockLockPoByPo = hasLocks ? po.restrict(null, S.UL).seq(po).restrict(null, S.LKR).seq(po) : Relation.empty(shape.n);
  const R4rmb = S.R.minus(S.Noreturn);
  const fencerelRmb = fencerel(S.Rmb);
  const rmb = fencerelRmb.restrict(R4rmb, R4rmb);
  const wmb = fencerel(S.Wmb).restrict(S.W, S.W);
  const mbNoUnlockLock = fencerel(S.Mb)
    .restrict(S.M, S.M)
    .union(
      po.restrict(S.M, S.Mb.inter(S.R)),
      po.restrict(S.Mb.inter(S.W), S.M),
      M.seq(fencerel(S.BeforeAtomic)).seq(id(S.RMW)).seq(po.opt()).seq(M),
      M.seq(po.opt()).seq(id(S.RMW)).seq(fencerel(S.AfterAtomic)).seq(M),
      M.seq(po.opt()).seq(id(S.LKW)).seq(fencerel(S.AfterSpinlock)).seq(M),
    );
  const gp = po.restrict(null, S.SyncRcu).seq(po.opt());
  return {
    M, Marked: id(S.Marked), acqPo, poRel, hasLocks, poUnlockLockPoByPo, R4rmb, fencerelRmb, rmb, wmb, mbNoUnlockLock, gp,
    hasAfterUnlockLock: !S.AfterUnlockLock.isEmpty(),
    hasDataDeps: !shape.data0.isEmpty(),
    hasRmw: !shape.rmw.isEmpty(),
  };
}

/** Event classes of the bell and lock.cat. */
function classify(ev: ExecEvent[], rmw: Relation) {
  const n = ev.length;
  const where = (p: (e: ExecEvent) => boolean): EventSet => EventSet.where(n, (i) => p(ev[i]!));
  const IW = where((e) => e.isInit);
  // lock.cat: `let R = R | LKR | LF | RU` (RL already folded into LF), `let W = W | LKW`, then `| UL`.
  const R = where((e) => e.kind === "R" || e.kind === "LKR" || e.kind === "LF" || e.kind === "RL" || e.kind === "RU");
  const W = where((e) => e.kind === "W" || e.kind === "LKW" || e.kind === "UL");
  const M = R.union(W);
  const tag = (t: AccessTag): EventSet => where((e) => e.tag === t);
  const fence = (f: FenceTag): EventSet => where((e) => e.kind === "F" && e.fence === f);
  const RMW = where((e) => e.rmwInstr);
  const LKR = where((e) => e.kind === "LKR");
  const LKW = where((e) => e.kind === "LKW");
  const UL = where((e) => e.kind === "UL");
  const LF = where((e) => e.kind === "LF" || e.kind === "RL");
  const RU = where((e) => e.kind === "RU");
  // bell: "Filter out syntactic annotations that do not provide the corresponding semantic ordering".
  const FailedRMW = RMW.minus(rmw.domain().union(rmw.range()));
  const Acquire = tag("ACQUIRE").minus(W).minus(FailedRMW).union(LKR);
  const Release = tag("RELEASE").minus(R).minus(FailedRMW).union(UL);
  // 'MB is both an access annotation (xchg(), ...) and a barrier (smp_mb()).
  const Mb = tag("MB").union(fence("MB")).minus(FailedRMW);
  const Noreturn = tag("NORETURN").minus(W);
  const Marked = M.complement()
    .union(IW)
    .union(tag("ONCE"))
    .union(tag("RELEASE"))
    .union(tag("ACQUIRE"))
    .union(tag("MB"))
    .union(RMW)
    .union(LKR)
    .union(LKW)
    .union(UL)
    .union(LF)
    .union(RU);
  const Plain = M.minus(Marked);
  return {
    IW, R, W, M, RMW, LKR, LKW, UL, LF, RU, FailedRMW, Acquire, Release, Mb, Noreturn, Marked, Plain,
    Rmb: fence("rmb"),
    Wmb: fence("wmb"),
    Barrier: fence("barrier"),
    RcuLock: fence("rcu-lock"),
    RcuUnlock: fence("rcu-unlock"),
    SyncRcu: fence("sync-rcu"),
    BeforeAtomic: fence("before-atomic"),
    AfterAtomic: fence("after-atomic"),
    AfterSpinlock: fence("after-spinlock"),
    AfterUnlockLock: fence("after-unlock-lock"),
  };
}

/** bell `rcu-rscs`: properly nested rcu_read_lock/unlock pairs of each thread. */
function rcuRscs(ev: ExecEvent[]): { matched: Relation; unmatchedLock: boolean; unmatchedUnlock: boolean } {
  const matched = new Relation(ev.length);
  const stacks = new Map<number, number[]>();
  let unmatchedUnlock = false;
  // Events of a thread are numbered in program order, so a scan in index order is a scan in po.
  for (let i = 0; i < ev.length; i++) {
    const e = ev[i]!;
    if (e.kind !== "F") continue;
    const st = stacks.get(e.proc) ?? [];
    stacks.set(e.proc, st);
    if (e.fence === "rcu-lock") st.push(i);
    else if (e.fence === "rcu-unlock") {
      const l = st.pop();
      if (l === undefined) unmatchedUnlock = true;
      else matched.add(l, i);
    }
  }
  const unmatchedLock = [...stacks.values()].some((s) => s.length > 0);
  return { matched, unmatchedLock, unmatchedUnlock };
}

export interface Verdict {
  consistent: boolean;
  /** The first check that failed (cat names), for explanations. */
  failed?: string;
  flags: string[];
}

/**
 * The part of the model up to `ppo`, plus the `[Marked] ; (ppo | rfe) ; [Marked]` part of
 * hb. Every relation here only grows when rf and co grow, so the enumerator may apply it
 * to a partial execution (some variables' rf and co chosen) to prune: a cycle found in
 * the part stays a cycle of hb in every completion.
 */
function localOrder(shape: ExecutionShape, rf: Relation, co: Relation) {
  const S = shape.sets;
  const { po, int, ext } = shape;
  const X = shape.fixed;

  // ---- Basic relations (lock.cat: fr computed from the merged rf and co).
  const fr = rf.inverse().seq(co);
  const rfe = rf.inter(ext);
  const rfi = rf.inter(int);

  // ---- bell: dependencies carried through memory, `carry-dep = (data ; [~ Srcu-unlock] ; rfi)*`.
  let addr = shape.addr0;
  let ctrl = shape.ctrl0;
  let data = shape.data0;
  if (X.hasDataDeps) {
    const carryDep = shape.data0.seq(rfi).star();
    addr = carryDep.seq(shape.addr0);
    ctrl = carryDep.seq(shape.ctrl0);
    data = carryDep.seq(shape.data0);
  }

  // ---- Release Acquire, fences (the rf-independent parts come from `shape.fixed`).
  const { M, acqPo, poRel, rmb, wmb, gp } = X;
  // po-unlock-lock-po = po ; [UL] ; (po|rf) ; [LKR] ; po
  const poUnlockLockPo = X.hasLocks ? X.poUnlockLockPoByPo.union(po.restrict(null, S.UL).seq(rf).restrict(null, S.LKR).seq(po)) : X.poUnlockLockPoByPo;
  const mb = X.hasAfterUnlockLock ? X.mbNoUnlockLock.union(M.seq(poUnlockLockPo).seq(Relation.id(S.AfterUnlockLock)).seq(po).seq(M)) : X.mbNoUnlockLock;
  const strongFence = mb.union(gp);
  const nonrwFence = strongFence.union(poRel, acqPo);
  const fence = nonrwFence.union(wmb, rmb);

  // ---- Preserved program order.
  const dep = addr.union(data);
  const rwdep = dep.union(ctrl).restrict(null, S.W);
  const overwrite = co.union(fr);
  const toW = rwdep.union(overwrite.inter(int), addr.restrict(null, S.Plain).seq(wmb));
  const toR = addr.restrict(null, S.R).union(dep.restrict(null, S.Marked).seq(rfi));
  const ppo = toR.union(toW, fence.inter(int), poUnlockLockPo.inter(int));
  const hbLocal = ppo.union(rfe).restrict(S.Marked, S.Marked);
  return { fr, rfe, rfi, addr, overwrite, poUnlockLockPo, strongFence, nonrwFence, fence, hbLocal };
}

/** True when no completion of this partial rf/co can be consistent (an hb cycle already). */
export function partialExecutionFails(shape: ExecutionShape, rf: Relation, co: Relation): boolean {
  return !localOrder(shape, rf, co).hbLocal.acyclic();
}

/** Checks one candidate execution: rf and co over `shape.events`. */
export function checkExecution(shape: ExecutionShape, rf: Relation, co: Relation): Verdict {
  const S = shape.sets;
  const { po, int, ext, poLoc, rmw, n } = shape;
  const X = shape.fixed;
  const { R4rmb, wmb, poRel } = X;
  const id = (s: EventSet): Relation => Relation.id(s);
  const fencerel = (s: EventSet): Relation => po.restrict(null, s).seq(po);

  const { fr, rfe, addr, overwrite, poUnlockLockPo, strongFence, nonrwFence, fence, hbLocal } = localOrder(shape, rf, co);
  const coe = co.inter(ext);
  const fre = fr.inter(ext);

  // coherence: acyclic po-loc | com
  const com = rf.union(co, fr);
  if (!poLoc.union(com).acyclic()) return { consistent: false, failed: "coherence", flags: [] };
  // atomic: empty rmw & (fre ; coe)
  if (!rmw.inter(fre.seq(coe)).isEmpty()) return { consistent: false, failed: "atomic", flags: [] };

  // A cycle in the ppo|rfe part of hb is already a cycle of hb: reject before computing prop.
  if (!hbLocal.acyclic()) return { consistent: false, failed: "happens-before", flags: [] };

  // ---- Propagation.
  const Marked = X.Marked;
  const aCumul = (r: Relation): Relation => rfe.restrict(null, S.Marked).opt().seq(r);
  const rmwSequence = X.hasRmw ? rf.seq(rmw).star() : Relation.identity(n);
  const cumulFence = Marked.seq(aCumul(strongFence.union(poRel)).union(wmb, poUnlockLockPo)).seq(Marked).seq(rmwSequence);
  const cumulFenceStar = cumulFence.star();
  const prop = Marked.seq(overwrite.inter(ext).opt()).seq(cumulFenceStar).seq(Marked).seq(rfe.opt()).seq(Marked);

  // ---- Happens-before.
  const hb = hbLocal.union(prop.minusId().inter(int).restrict(S.Marked, S.Marked));
  if (!hb.acyclic()) return { consistent: false, failed: "happens-before", flags: [] };
  const hbStar = hb.star();

  // ---- Propagation ordering.
  const pb = prop.seq(strongFence).seq(hbStar).restrict(null, S.Marked);
  if (!pb.acyclic()) return { consistent: false, failed: "propagation", flags: [] };
  const pbStar = pb.star();

  // ---- RCU.
  let rcuFence = Relation.empty(n);
  let rb = Relation.empty(n);
  if (shape.hasSyncRcu) {
    const rcuGp = id(S.SyncRcu);
    const rcuRscsi = shape.rcuRscsi;
    const rcuLink = po.opt().seq(hbStar).seq(pbStar).seq(prop).seq(po);
    // `let rec rcu-order = ...`: the least fixpoint.
    const gpLinkRscsi = rcuGp.seq(rcuLink).seq(rcuRscsi);
    const rscsiLinkGp = rcuRscsi.seq(rcuLink).seq(rcuGp);
    let order = Relation.empty(n);
    for (;;) {
      const next = rcuGp.union(
        gpLinkRscsi,
        rscsiLinkGp,
        rcuGp.seq(rcuLink).seq(order).seq(rcuLink).seq(rcuRscsi),
        rcuRscsi.seq(rcuLink).seq(order).seq(rcuLink).seq(rcuGp),
        order.seq(rcuLink).seq(order),
      );
      if (next.equals(order)) break;
      order = next;
    }
    rcuFence = po.seq(order).seq(po.opt());
    rb = prop.seq(rcuFence).seq(hbStar).seq(pbStar).restrict(null, S.Marked);
    if (!rb.irreflexive()) return { consistent: false, failed: "rcu", flags: [] };
  }

  const flags = [...shape.staticFlags];
  if (!shape.hasPlain) return { consistent: true, flags };

  // ---- Plain accesses and data races (`let fence = fence | rcu-fence` etc. from here on).
  const fence2 = fence.union(rcuFence);
  const strongFence2 = strongFence.union(rcuFence);
  const barrier = fencerel(
    S.Barrier.union(S.Rmb).union(S.Wmb).union(S.Mb).union(S.SyncRcu).union(S.BeforeAtomic).union(S.AfterAtomic).union(S.Acquire).union(S.Release).union(S.RcuLock).union(S.RcuUnlock),
  ).union(po.restrict(null, S.Release), po.restrict(S.Acquire, null));
  const plainW = S.Plain.inter(S.W);
  const poLocNoBarrier = poLoc.minus(barrier);
  const mixed = poLocNoBarrier.restrict(plainW, S.Marked).union(poLocNoBarrier.restrict(S.Marked, plainW));
  if (!mixed.isEmpty()) flags.push("mixed-accesses");

  const xbstar = hb.union(pb, rb).star();
  const vis = cumulFenceStar
    .seq(rfe.opt())
    .seq(Marked)
    .seq(strongFence2.seq(Marked).seq(xbstar).union(xbstar.inter(int)));
  const notNoreturn = S.Noreturn.complement();
  const wPreBounded = Marked.seq(addr.union(fence2).opt());
  const rPreBounded = Marked.seq(addr.union(nonrwFence, X.fencerelRmb.restrict(R4rmb, notNoreturn)).opt());
  const wPostBounded = fence2.opt().seq(Marked).seq(rmwSequence);
  const rPostBounded = nonrwFence.union(X.fencerelRmb.restrict(notNoreturn, R4rmb)).opt().seq(Marked);
  const wwVis = fence2.union(strongFence2.seq(xbstar).seq(wPreBounded), wPostBounded.seq(vis).seq(wPreBounded));
  const wrVis = fence2.union(strongFence2.seq(xbstar).seq(rPreBounded), wPostBounded.seq(vis).seq(rPreBounded));
  const rwXbstar = fence2.union(rPostBounded.seq(xbstar).seq(wPreBounded));

  const preRace = ext.inter(Relation.product(S.Plain, S.M).union(Relation.product(S.M.minus(S.IW), S.Plain)));
  const wrIncoh = preRace.inter(rf).inter(rwXbstar.inverse());
  const rwIncoh = preRace.inter(fr).inter(wrVis.inverse());
  const wwIncoh = preRace.inter(co).inter(wwVis.inverse());
  if (!wrIncoh.union(rwIncoh, wwIncoh).isEmpty()) return { consistent: false, failed: "plain-coherence", flags: [] };

  const markedW = Relation.product(S.Marked, S.W);
  const wMarked = Relation.product(S.W, S.Marked);
  const wwNonrace = wwVis.inter(markedW.union(rwXbstar)).inter(wMarked.union(wrVis));
  const wwRace = preRace.inter(co).minus(wwNonrace);
  const wrRace = preRace.inter(co.opt().seq(rf)).minus(wrVis).minus(rwXbstar.inverse());
  const rwRace = preRace.inter(fr).minus(rwXbstar);
  if (!wwRace.union(wrRace, rwRace).isEmpty()) flags.push("data-race");
  return { consistent: true, flags };
}
