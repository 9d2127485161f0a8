import type { ContainerAddress } from "@effect-whisk/core"
import * as net from "node:net"

/**
 * One connection to an action container opened ahead of the call that will use it, so that the call skips the TCP
 * handshake. Nothing is sent on it before a call takes it, so a request is still never sent twice and never rides a
 * connection that carried another. It is kept at most `lifetimeMillis` (a server may close a connection that stays
 * silent; well before that, it is gone), and dropped as soon as the peer closes or fails it.
 *
 * @internal
 */
export class SpareConnection {
  private socket: net.Socket | undefined
  /** Drops `socket` if it is still the spare: its error and close listener. */
  private onEnd: (() => void) | undefined
  private timer: ReturnType<typeof setTimeout> | undefined
  private closed = false

  constructor(
    private readonly address: ContainerAddress.ContainerAddress,
    private readonly lifetimeMillis: number
  ) {}

  /** Opens the spare connection, unless one is open, the client is closed, or none is wanted. */
  readonly open = (): void => {
    if (this.closed || this.socket !== undefined || !(this.lifetimeMillis > 0)) return
    const socket = net.createConnection({ host: this.address.host, port: this.address.port })
    // An error or the peer's close ends the spare (an error with no listener would be thrown); a late event of a
    // socket that is no longer the spare changes nothing.
    const onEnd = () => {
      if (this.socket === socket) this.drop()
    }
    this.socket = socket
    this.onEnd = onEnd
    // Unused, it never keeps the process alive; a call that takes it does, as its own connection would.
    socket.unref()
    socket.on("error", onEnd)
    socket.on("close", onEnd)
    this.timer = setTimeout(this.drop, this.lifetimeMillis)
    this.timer.unref()
  }

  /** The spare connection for a call to use, if one is opening or open; the call owns it from then on. */
  readonly take = (): net.Socket | undefined => {
    const socket = this.socket
    const onEnd = this.onEnd
    if (socket === undefined || onEnd === undefined) return undefined
    this.forget()
    socket.removeListener("error", onEnd)
    socket.removeListener("close", onEnd)
    if (socket.destroyed || (socket.readyState !== "open" && socket.readyState !== "opening")) {
      socket.destroy()
      return undefined
    }
    socket.ref()
    return socket
  }

  /** Closes the spare connection, and opens none from now on. */
  readonly close = (): void => {
    this.closed = true
    this.drop()
  }

  private readonly drop = (): void => {
    const socket = this.socket
    this.forget()
    socket?.destroy()
  }

  private forget(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    this.socket = undefined
    this.onEnd = undefined
  }
}
