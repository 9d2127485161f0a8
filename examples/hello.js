// A hello action for the Node.js runtime: it logs one line to stdout and one to stderr, and returns a greeting.
//
//   effect-whisk invoke examples/hello.js --param name=Ada
function main(params) {
  const name = typeof params.name === "string" && params.name.length > 0 ? params.name : "world"
  console.log(`hello.js greets ${name}`)
  console.error("hello.js writes this line to stderr")
  return { greeting: `Hello, ${name}!` }
}
