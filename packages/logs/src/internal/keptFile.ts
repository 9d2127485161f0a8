import * as fs from "node:fs"

/**
 * A container's json-file log held open between its collections, so that a warm activation's collection neither
 * opens nor closes the file (each is a round trip through libuv's thread pool, which cost more CPU per activation in
 * the pool's throughput benchmark than the rest of the collection). Collections on one cursor are serialised: the
 * one whose turn it is takes the descriptor out (`take`) and hands back the one it ended on (`keep`). Once `close`d,
 * nothing is kept: a descriptor handed back is closed.
 *
 * @internal
 */
export class KeptFile {
  private fd: number | undefined
  private path: string | undefined
  private file: string | undefined
  private closed = false

  /**
   * The descriptor kept for `path` when it is open on the file of identity `file` (the cursor's), now the caller's;
   * undefined otherwise, and a descriptor kept for another file is closed.
   */
  take(path: string, file: string | undefined): number | undefined {
    const fd = this.fd
    if (fd === undefined) return undefined
    const same = file !== undefined && this.path === path && this.file === file
    this.fd = undefined
    if (same) return fd
    closeNow(fd)
    return undefined
  }

  /** Keeps the descriptor a collection ended on (open on `file`, read through `path`), or closes it once closed. */
  keep(path: string, fd: number, file: string | undefined): void {
    if (this.closed || file === undefined) return closeNow(fd)
    if (this.fd !== undefined && this.fd !== fd) closeNow(this.fd)
    this.fd = fd
    this.path = path
    this.file = file
  }

  /** Closes the kept descriptor; a collection under way closes its own when it ends. */
  close(): void {
    this.closed = true
    const fd = this.fd
    this.fd = undefined
    if (fd !== undefined) closeNow(fd)
  }
}

// Closed at once, not through the thread pool: this happens when a container goes or its log was replaced, rarely,
// and whoever closed the cursor can rely on the file being closed.
const closeNow = (fd: number) => {
  try {
    fs.closeSync(fd)
  } catch {
    // Closed already: nothing is left open.
  }
}
