/**
 * simjs 2.0.3 ships no types. Under Node its module.exports is empty: the library is the
 * object its bundle assigns to `window.Sim` (see bench/peer_simjs.ts). Types only, for
 * the part the peer benchmark uses, as the bundle's lib/sim.js and lib/request.js define it.
 */
declare module "simjs" {
  export interface SimjsRequest {
    /** `callback` runs with `this` = `context`, or the entity that made the request. */
    done(callback: () => void, context?: object, argument?: unknown): SimjsRequest;
  }
  export interface SimjsSim {
    time(): number;
    /** Creates `new Klass(sim, name)`, then calls its `start(...args)`. */
    addEntity<T extends SimjsEntity>(klass: new (sim: SimjsSim, name?: string) => T, name?: string, ...args: unknown[]): T;
    /**
     * Delivers events until the queue is empty or the next lies beyond `endTime` (that event
     * is dropped), or until `maxEvents` have been delivered (a falsy value means no limit).
     */
    simulate(endTime: number, maxEvents?: number): boolean;
  }
  export interface SimjsEntity {
    sim: SimjsSim;
    time(): number;
    /** A request delivered `duration` from now. */
    setTimer(duration: number): SimjsRequest;
  }
  export interface SimjsLibrary {
    Sim: new () => SimjsSim;
    Entity: new (sim: SimjsSim, name?: string) => SimjsEntity;
  }
}
