#!/usr/bin/env node
// The effect-whisk command: the bundle that `npm run bundle -w @effect-whisk/cli` makes (the packed package has it),
// unless `npx tsc -b` compiled the sources after it (in this repository); else the compiled sources.
import { statSync } from "node:fs"

const modified = (url) => statSync(url, { throwIfNoEntry: false })?.mtimeMs
const bundle = new URL("../bundle/start.js", import.meta.url)
const bundled = modified(bundle)
const compiled = modified(new URL("../.tsbuildinfo/src.tsbuildinfo", import.meta.url))
await import(bundled !== undefined && (compiled === undefined || bundled >= compiled) ? bundle.href : "../dist/start.js")
