// A container whose owner process is gone on this host (its pid is far above any pid_max), made with the docker CLI
// as a program that died would have left it.
import { ContainerOwner } from "@effect-whisk/core"
import { hostname } from "node:os"
import { docker, tickerImage } from "./realEngine.js"

export const createOrphan = (name: string): string =>
  docker(
    "create",
    "--name",
    name,
    ...Object.entries(ContainerOwner.labels({ instance: "gone", host: hostname(), pid: 99_999_999 }))
      .flatMap(([key, value]) => ["--label", `${key}=${value}`]),
    tickerImage
  )
