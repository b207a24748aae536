/**
 * js-simulator 1.0.17 ships no types: the part of its API the peer benchmark uses
 * (bench/peer_js_simulator.ts), as its src/jssim.js defines it.
 */
declare module "js-simulator" {
  namespace jssim {
    class SimEvent {
      /** A falsy rank becomes 1. */
      constructor(rank?: number);
      time: number;
      /** Among events at the same time, higher ranks fire first; equal ranks are shuffled. */
      rank: number;
      /** Called when the event fires; `deltaTime` is the time since the previous step. */
      update?: (deltaTime: number) => void;
    }
    class Scheduler {
      constructor();
      /** null before the first step. */
      current_time: number | null;
      schedule(evt: SimEvent, time: number): void;
      scheduleOnceIn(evt: SimEvent, deltaTime: number): void;
      hasEvents(): boolean;
      /** Fires every event at the earliest pending time, rank by rank. */
      update(): void;
      /** Fires the events of the earliest pending (time, rank) and returns them. */
      update_mini(): SimEvent[];
    }
  }
  export = jssim;
}
