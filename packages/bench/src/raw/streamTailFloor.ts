import { Effect, Option, Stream } from "effect"
import { close, openSync, read, watch } from "node:fs"

const readSize = 64 * 1024

/**
 * The least an Effect Stream can do to tail a file: one stream whose only pull waits (in one `Effect.async`) for an
 * fs.watch notification, reads what was appended with one fs.read from `from`, emits it as one chunk and ends, with
 * one finalizer for the file and the watcher. No framing, limit, sentinels, deadlines, cursor or lock: what is left
 * is the cost of waking a fiber and ending a stream after an outside event, which any Stream-based collection pays on
 * top of the file system.
 *
 * The file and the watcher are opened when the stream starts running.
 */
export const streamTailFloor = (path: string, from: number): Stream.Stream<Uint8Array> =>
  Stream.suspend(() => {
    const fd = openSync(path, "r")
    const buffer = Buffer.allocUnsafe(readSize)
    let pulled = false
    let notified = false
    let wake: (() => void) | undefined
    const watcher = watch(path, { persistent: false }, () => {
      notified = true
      const woken = wake
      wake = undefined
      woken?.()
    })
    const appended = Effect.async<Uint8Array>((resume) => {
      const readAppended = () =>
        read(fd, buffer, 0, buffer.length, from, (error, bytesRead) =>
          resume(error === null ? Effect.succeed(buffer.subarray(0, bytesRead)) : Effect.die(error)))
      if (notified) return readAppended()
      wake = readAppended
    })
    return Stream.repeatEffectOption(
      Effect.suspend(() => pulled ? Effect.fail(Option.none()) : ((pulled = true), appended))
    ).pipe(
      Stream.ensuring(Effect.sync(() => {
        watcher.close()
        close(fd, () => {})
      }))
    )
  })
