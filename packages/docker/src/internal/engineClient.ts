import type Docker from "dockerode"

type BuildRequest = (options: Record<string, unknown>, context: unknown, data: unknown, callback: unknown) => unknown

interface ModemWithBuildRequest {
  buildRequest: BuildRequest
}

const noRedirects = Symbol.for("@effect-whisk/docker/engineClient/noRedirects")

/**
 * Makes the client's requests refuse redirects. docker-modem follows up to 5 by default, to a host taken from the
 * Location header: the engine answers 301 to a path its router cleans ("..", "x/"), and the redirect to the bogus
 * host "containers" ended in an 'error' event nobody listened to, which crashed the process. With `maxRedirects: 0`
 * (docker-modem's per-request option) a redirect fails the request through the modem's own error handler. The
 * modem has no client-wide setting, so each request's options get it on the way to `buildRequest`.
 *
 * @internal
 */
export const withoutRedirects = (docker: Docker): Docker => {
  const modem = docker.modem as unknown as ModemWithBuildRequest & { [noRedirects]?: true }
  if (modem[noRedirects] === true) return docker
  const buildRequest = modem.buildRequest
  modem.buildRequest = function(this: unknown, options, context, data, callback) {
    return buildRequest.call(this, { ...options, maxRedirects: 0 }, context, data, callback)
  }
  modem[noRedirects] = true
  return docker
}
