// The `prepack` of every published package (npm runs it in the package's folder before `npm pack` and
// `npm publish`): a clean build of the package's sources, so the tarball holds exactly what src/ compiles to, and
// nothing that a moved or removed source file left behind in dist/.
import { execFileSync } from "node:child_process"
import { rmSync } from "node:fs"

rmSync("dist", { recursive: true, force: true })
rmSync(".tsbuildinfo/src.tsbuildinfo", { force: true })
execFileSync("tsc", ["-b", "tsconfig.src.json"], { stdio: "inherit" })
