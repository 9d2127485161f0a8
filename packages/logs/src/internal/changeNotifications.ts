import * as fs from "node:fs"

/**
 * Starts calling `onChange` on every change notification of the file; gives the function that stops it, or
 * undefined where the platform gives no notifications (the caller then only polls).
 *
 * @internal
 */
export type Watch = (path: string, onChange: () => void) => (() => void) | undefined

/**
 * node's `fs.watch` (inotify on Linux). A watcher that fails later (the file removed) stops quietly: polling goes on.
 * It does not keep the process alive by itself.
 *
 * @internal
 */
export const watchFile: Watch = (path, onChange) => {
  try {
    const watcher = fs.watch(path, { persistent: false }, onChange)
    watcher.on("error", () => watcher.close())
    return () => watcher.close()
  } catch {
    return undefined
  }
}
