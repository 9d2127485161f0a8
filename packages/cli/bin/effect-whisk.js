#!/usr/bin/env node
// The effect-whisk command: the bundle that `npm run bundle -w @effect-whisk/cli` makes (the packed package has it),
// unless the compiled sources are newer (`npx tsc -b` after a change); else the compiled sources.
import { statSync } from "node:fs"

const modified = (url) => statSync(url, { throwIfNoEntry: false })?.mtimeMs ?? -1
const bundle = new URL("../bundle/start.js", import.meta.url)
const compiled = new URL("../dist/start.js", import.meta.url)
await import(modified(bundle) >= modified(compiled) ? bundle.href : compiled.href)
