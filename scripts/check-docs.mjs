#!/usr/bin/env node
// Checks that the repo explains itself (docs/README.md, "The check"): every rule code cited in a tracked file outside
// docs/ has a heading in docs/; no file cites a section (the section sign, U+00A7) of a document that is not in the
// repo; every row of docs/coverage.md names a test file that exists and a test title found in it; every row of the
// root README's "Where to change what" table names a path that exists. No dependencies.
import { execFileSync } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { dirname, join, relative } from "node:path"
import { fileURLToPath } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const docsDir = "docs/"
const coveragePath = "docs/coverage.md"
// Written as an escape so that this file passes its own check.
const sectionSign = "\u00a7"

// Longer prefixes first, so "PT12" is one PT code and not P followed by text.
const families = ["PT", "PX", "PF", "B", "T", "P", "F", "D", "R"]
const codeBody = `(?:${families.join("|")})\\d+`
// A code is a whole word: not part of an identifier, a hex id, a timestamp ("…27T19:28") or a size ("10B").
const codePattern = new RegExp(`(?<![A-Za-z0-9_.])(${codeBody})(?:\\s*[–-]\\s*(${codeBody}))?(?![A-Za-z0-9_])`, "g")
const headingPattern = new RegExp(`^#{2,6}\\s+(${codeBody})\\b`)

const trackedFiles = () =>
  execFileSync("git", ["ls-files", "-z"], { cwd: root, encoding: "utf8" }).split("\0").filter((path) => path !== "")

const readText = (path) => {
  const bytes = readFileSync(join(root, path))
  return bytes.includes(0) ? undefined : bytes.toString("utf8")
}

const splitCode = (code) => {
  const [, family, number] = /^([A-Z]+)(\d+)$/.exec(code)
  return { family, number: Number(number) }
}

/** The codes a match stands for: one code, or every code of a range such as `T41–T44`. */
const expand = (first, last) => {
  if (last === undefined) return [first]
  const a = splitCode(first)
  const b = splitCode(last)
  if (a.family !== b.family || b.number <= a.number || b.number - a.number > 200) return [first, last]
  return Array.from({ length: b.number - a.number + 1 }, (_, i) => `${a.family}${a.number + i}`)
}

const files = trackedFiles()
const docsFiles = files.filter((path) => path.startsWith(docsDir) && path.endsWith(".md"))

/** code → "file:line" of its heading */
const headings = new Map()
const problems = []
for (const path of docsFiles) {
  readText(path).split("\n").forEach((line, index) => {
    const match = headingPattern.exec(line)
    if (match === null) return
    const code = match[1]
    if (headings.has(code)) problems.push(`${path}:${index + 1}: ${code} has a second heading (first at ${headings.get(code)})`)
    else headings.set(code, `${path}:${index + 1}`)
  })
}

for (const path of files) {
  if (path.startsWith(docsDir) || path.endsWith("package-lock.json")) continue
  const text = readText(path)
  if (text === undefined) continue
  text.split("\n").forEach((line, index) => {
    const where = `${path}:${index + 1}`
    if (line.includes(sectionSign)) {
      problems.push(`${where}: a ${sectionSign} section reference (name the rule code from docs/ instead): ${line.trim().slice(0, 120)}`)
    }
    for (const match of line.matchAll(codePattern)) {
      for (const code of expand(match[1], match[2])) {
        if (!headings.has(code)) problems.push(`${where}: ${code} has no heading in docs/`)
      }
    }
  })
}

// docs/coverage.md: | code | rule | status | tests |, tests as "`file` › `title`" entries separated by <br>.
const checkCoverage = () => {
  if (!existsSync(join(root, coveragePath))) {
    problems.push(`${coveragePath}: missing`)
    return
  }
  const rows = new Map()
  readText(coveragePath).split("\n").forEach((line, index) => {
    const where = `${coveragePath}:${index + 1}`
    const cells = line.split(/(?<!\\)\|/).slice(1, -1).map((cell) => cell.trim().replace(/\\\|/g, "|"))
    if (cells.length < 4 || !/^[A-Z]+\d+$/.test(cells[0])) return
    const [code, , status, tests] = cells
    if (rows.has(code)) problems.push(`${where}: ${code} has a second row`)
    rows.set(code, where)
    if (!headings.has(code)) problems.push(`${where}: ${code} has no heading in docs/`)
    if (status === "") problems.push(`${where}: ${code} has no status`)
    for (const entry of tests === "" || tests === "—" ? [] : tests.split(/\s*<br>\s*/)) {
      const test = /^`([^`]+)`\s*›\s*`([^`]+)`$/.exec(entry)
      if (test === null) {
        problems.push(`${where}: ${code}: a test is written as \`file\` › \`title\`, not: ${entry}`)
        continue
      }
      const [, file, title] = test
      const source = existsSync(join(root, file)) ? readText(file) : undefined
      if (source === undefined) problems.push(`${where}: ${code}: the test file ${file} does not exist`)
      else if (!source.includes(title)) problems.push(`${where}: ${code}: no test titled "${title}" in ${file}`)
    }
    if (/^(covered|partly)/.test(status) && (tests === "" || tests === "—")) {
      problems.push(`${where}: ${code} is "${status.split(/[:;]/)[0]}" but names no test`)
    }
    if (/^not covered$/.test(status)) problems.push(`${where}: ${code} is not covered and gives no reason`)
  })
  for (const code of headings.keys()) {
    if (/^[BT]\d+$/.test(code) && !rows.has(code)) problems.push(`${coveragePath}: ${code} has no row`)
  }
}
checkCoverage()

// README.md, "## Where to change what": | what | `path` … |; every row names at least one path, and each exists.
const readmePath = "README.md"
const whereHeading = "## Where to change what"
const checkWhereToChange = () => {
  const lines = readText(readmePath).split("\n")
  const start = lines.findIndex((line) => line.trim() === whereHeading)
  if (start === -1) {
    problems.push(`${readmePath}: no "${whereHeading}" section`)
    return
  }
  let rows = 0
  for (let index = start + 1; index < lines.length && !lines[index].startsWith("## "); index++) {
    const line = lines[index]
    if (!line.startsWith("|") || /^\|[\s|:-]+\|$/.test(line.trim())) continue
    const cells = line.split("|").slice(1, -1)
    if (cells.length < 2) continue
    const paths = [...cells.slice(1).join("|").matchAll(/`([^`\s]+\/[^`\s]*)`/g)].map((match) => match[1])
    if (rows++ === 0 && paths.length === 0) continue // the header row
    const where = `${readmePath}:${index + 1}`
    if (paths.length === 0) problems.push(`${where}: a "${whereHeading}" row names no file`)
    for (const path of paths) {
      if (!existsSync(join(root, path))) problems.push(`${where}: ${path} does not exist (moved? update the table)`)
    }
  }
  if (rows < 2) problems.push(`${readmePath}: the "${whereHeading}" table has no rows`)
}
checkWhereToChange()

if (problems.length > 0) {
  console.error(`check-docs: ${problems.length} problem(s); see docs/README.md, "The check":`)
  for (const problem of problems) console.error(`  ${problem}`)
  process.exit(1)
}
console.log(`check-docs: ${headings.size} codes documented, every citation resolves, coverage table consistent, every "Where to change what" path exists`)
