/**
 * Shared memory locations: descriptor fields, ring indices, payload words (DESIGN
 * section 5). Each location remembers its last store (value, writer, time). For now every
 * access is sequentially consistent: a read returns the latest store. The weak (LKMM)
 * model, where a read may return an older store that barriers have not yet forbidden,
 * replaces `read` without changing its callers.
 */

/** Who performed a store: a CPU id (>= 0) or a device (negative). */
export type Agent = number;

export interface Location {
  readonly name: string;
  value: number;
  writer: Agent;
  writtenAt: number;
}

export class Memory {
  readonly locations: Location[] = [];
  constructor(private readonly clock: { readonly now: number }) {}

  alloc(name: string, init = 0): Location {
    const loc: Location = { name, value: init, writer: -1, writtenAt: 0 };
    this.locations.push(loc);
    return loc;
  }

  /** A CPU's or device's store (WRITE_ONCE / DMA write). */
  write(loc: Location, value: number, writer: Agent): void {
    loc.value = value;
    loc.writer = writer;
    loc.writtenAt = this.clock.now;
  }

  /** A load (READ_ONCE); under sequential consistency, the latest store. */
  read(loc: Location, _reader: Agent): number {
    return loc.value;
  }
}
