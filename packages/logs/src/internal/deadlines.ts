/**
 * The two deadlines of one collection, in milliseconds of whichever clock its driver keeps: the idle timeout (Akka's
 * `idleTimeout`: since the last activity, or the start) and the overall timeout (`completionTimeout`). Both drivers
 * (the file reader's timers, the byte stream's Clock) keep them with this.
 *
 * @internal
 */
export class Deadlines {
  private startedAt: number
  private lastActivity: number

  constructor(readonly idleMillis: number, private totalMillis: number, now: number) {
    this.startedAt = now
    this.lastActivity = now
  }

  /** Counts both again from `now`, the overall one as `totalMillis` (skipping has the time its collection has left). */
  restart(totalMillis: number, now: number): void {
    this.totalMillis = totalMillis
    this.startedAt = now
    this.lastActivity = now
  }

  /** Lines went out or bytes were skipped: the idle timeout starts again. */
  activity(now: number): void {
    this.lastActivity = now
  }

  /** Milliseconds until the nearer deadline; 0 or less once one has passed. */
  left(now: number): number {
    return Math.min(this.lastActivity + this.idleMillis, this.startedAt + this.totalMillis) - now
  }

  /** Which deadline comes (or came) first. */
  get nearer(): "Idle" | "Overall" {
    return this.startedAt + this.totalMillis <= this.lastActivity + this.idleMillis ? "Overall" : "Idle"
  }
}
