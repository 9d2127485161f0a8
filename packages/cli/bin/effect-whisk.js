#!/usr/bin/env node
// The effect-whisk command; build it first with `npx tsc -b` from the repository root.
import "../dist/main.js"
