import { type ContainerAddress, Errors } from "@effect-whisk/core"
import { Duration, Effect } from "effect"
import * as net from "node:net"

const codeOf = (cause: unknown): string | undefined =>
  typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string" ? cause.code : undefined

/**
 * A TCP connection to the address, destroyed as soon as it is made (nothing is sent, so the action sees no request);
 * a refused one is `Refused`, any other socket error `Unreachable`, none within the timeout `Timeout`. Every path
 * destroys the socket and clears the timer: the deadline, an error, the connection, and an interruption.
 *
 * @internal
 */
export const probe = (
  address: ContainerAddress.ContainerAddress,
  timeout: Duration.Duration
): Effect.Effect<void, Errors.ProbeError> =>
  Effect.async<void, Errors.ProbeError>((resume) => {
    const target = address.asString
    const timeoutMillis = Duration.toMillis(timeout)
    let done = false
    let socket: net.Socket | undefined
    const end = () => {
      done = true
      clearTimeout(timer)
      socket?.destroy()
    }
    const finish = (effect: Effect.Effect<void, Errors.ProbeError>) => {
      if (done) return
      end()
      resume(effect)
    }
    const timer = setTimeout(
      () => finish(Effect.fail(new Errors.ProbeError({ target, reason: "Timeout", timeoutMillis }))),
      Math.max(0, Math.min(timeoutMillis, 2 ** 31 - 1))
    )
    try {
      socket = net.connect({ host: address.host, port: address.port })
    } catch (cause) {
      finish(Effect.fail(new Errors.ProbeError({ target, reason: "Unreachable", cause })))
      return
    }
    // Kept for the socket's whole life: a destroyed socket may still emit an error that nobody else listens to.
    socket.on("error", (cause) =>
      finish(Effect.fail(new Errors.ProbeError({ target, reason: codeOf(cause) === "ECONNREFUSED" ? "Refused" : "Unreachable", cause }))))
    socket.once("connect", () => finish(Effect.void))
    return Effect.sync(() => {
      if (!done) end()
    })
  })
