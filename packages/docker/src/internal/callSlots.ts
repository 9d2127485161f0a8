/**
 * At most `size` calls at once; the others wait, first come first served. Callback-level, for calls that node's
 * callbacks drive (the Effect-level FairSemaphore would cost each call a fiber's worth of work).
 *
 * A call is known by its `start` function: `enter` runs it now or once a slot frees up, `leave` gives its slot back,
 * or takes it out of the queue when it never started. After `close`, waiting calls are never started.
 *
 * @internal
 */
export class CallSlots {
  private readonly running = new Set<() => void>()
  private readonly waiting = new Set<() => void>()
  private closed = false

  constructor(private readonly size: number) {}

  enter(start: () => void): void {
    if (this.running.size < this.size) {
      this.running.add(start)
      start()
    } else {
      this.waiting.add(start)
    }
  }

  leave(start: () => void): void {
    if (this.waiting.delete(start) || !this.running.delete(start) || this.closed) return
    for (const next of this.waiting) {
      this.waiting.delete(next)
      this.running.add(next)
      return next()
    }
  }

  close(): void {
    this.closed = true
  }
}
