/**
 * Customer keys as dense indices (0, 1, 2, … in order of first sight), looked up from their
 * UTF-8 bytes. A recompute meets a 1M-order shop's keys a million times but only ~338k
 * distinct ones: decoding each occurrence into a string and hashing that string in a Map was
 * a fifth of the read (docs/decisions/073). Here the bytes a page of rows already holds are
 * hashed and compared where they lie; a key becomes a string once, when asked for.
 */

const EMPTY = -1;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** FNV-1a over bytes: cheap, and keys that differ in their last digits spread well. */
function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return h;
}

export class KeyTable {
  /** Open addressing, linear probing: each slot holds a key's index or EMPTY. */
  private slots = new Int32Array(1 << 12).fill(EMPTY);
  private hashes = new Int32Array(1 << 11);
  /** Where each key's bytes begin in the pool; the next key's start is where they end. */
  private starts = new Int32Array((1 << 11) + 1);
  /** Every key's bytes, one after another. */
  private pool = new Uint8Array(1 << 16);
  private used = 0;
  private count = 0;
  /** A key's bytes when it arrives as a string (a key is at most 3 bytes a UTF-16 unit). */
  private scratch = new Uint8Array(256);

  get size(): number {
    return this.count;
  }

  /** Index of the key held in bytes[start, end) as UTF-8, added if new. */
  fromBytes(bytes: Uint8Array, start: number, end: number): number {
    const h = hashBytes(bytes, start, end);
    const slot = this.find(h, bytes, start, end);
    const found = this.slots[slot];
    return found !== EMPTY ? found : this.add(slot, h, bytes, start, end);
  }

  /** Index of a key, added if new. */
  fromString(key: string): number {
    const n = this.encode(key);
    return this.fromBytes(this.scratch, 0, n);
  }

  /** Index of a key, or -1 when it was never added. */
  indexOf(key: string): number {
    return this.indexOfBytes(this.scratch, 0, this.encode(key));
  }

  /** Index of the key held in bytes[start, end) as UTF-8, or -1 when it was never added. */
  indexOfBytes(bytes: Uint8Array, start: number, end: number): number {
    return this.slots[this.find(hashBytes(bytes, start, end), bytes, start, end)];
  }

  /** The key of an index (a new string each call). */
  key(index: number): string {
    if (!(index >= 0 && index < this.count)) throw new RangeError(`KeyTable: no key ${index}`);
    return decoder.decode(this.pool.subarray(this.starts[index], this.starts[index + 1]));
  }

  /** The UTF-8 bytes of an index's key, where the table holds them (a view: do not keep it). */
  keyBytes(index: number): Uint8Array {
    if (!(index >= 0 && index < this.count)) throw new RangeError(`KeyTable: no key ${index}`);
    return this.pool.subarray(this.starts[index], this.starts[index + 1]);
  }

  /** The slot holding these bytes, or the empty slot where they would go. */
  private find(h: number, bytes: Uint8Array, start: number, end: number): number {
    const mask = this.slots.length - 1;
    const length = end - start;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const k = this.slots[slot];
      if (k === EMPTY) return slot;
      const at = this.starts[k];
      if (this.hashes[k] !== h || this.starts[k + 1] - at !== length) continue;
      let i = 0;
      while (i < length && this.pool[at + i] === bytes[start + i]) i++;
      if (i === length) return slot;
    }
  }

  private add(slot: number, h: number, bytes: Uint8Array, start: number, end: number): number {
    const length = end - start;
    const index = this.count;
    if (index === this.hashes.length) {
      this.hashes = grown(this.hashes, this.hashes.length * 2);
      this.starts = grown(this.starts, this.hashes.length + 1);
    }
    if (this.used + length > this.pool.length) {
      // By half again: a 1M-order shop's keys take ~10 MB, held while the recompute runs.
      const pool = new Uint8Array(Math.max(Math.ceil(this.pool.length * 1.5), this.used + length));
      pool.set(this.pool.subarray(0, this.used));
      this.pool = pool;
    }
    this.pool.set(bytes.subarray(start, end), this.used);
    this.hashes[index] = h;
    this.used += length;
    this.starts[index + 1] = this.used;
    this.slots[slot] = index;
    this.count++;
    // At most half full, so probes stay short.
    if (this.count * 2 > this.slots.length) this.rehash();
    return index;
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2).fill(EMPTY);
    const mask = slots.length - 1;
    for (let k = 0; k < this.count; k++) {
      let slot = this.hashes[k] & mask;
      while (slots[slot] !== EMPTY) slot = (slot + 1) & mask;
      slots[slot] = k;
    }
    this.slots = slots;
  }

  private encode(key: string): number {
    if (key.length * 3 > this.scratch.length) this.scratch = new Uint8Array(key.length * 3);
    return encoder.encodeInto(key, this.scratch).written;
  }
}

function grown(a: Int32Array<ArrayBuffer>, length: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(length);
  b.set(a);
  return b;
}
