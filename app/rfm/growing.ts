/** A typed array that doubles as it fills. */
export class Growing<T extends Int32Array | Float64Array> {
  length = 0;
  constructor(
    public data: T,
    private readonly make: (n: number) => T,
  ) {}
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = this.make(this.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
}

export const int32s = () => new Growing(new Int32Array(1024), (n) => new Int32Array(n));
export const float64s = () => new Growing(new Float64Array(1024), (n) => new Float64Array(n));
