#!/usr/bin/env node
// Compares the schemas of proto/ with an upstream xmtp/proto checkout, field by field: for every message,
// enum and service we declare (xmtplite.* excepted), upstream must declare the same full name with the same
// fields (number, name, label, type, map key, oneof, proto3 optional), enum values and methods.
// Not a test (CI has no upstream checkout): run it when updating proto/ from a new upstream snapshot.
//
//   node scripts/compare-upstream.mjs /path/to/xmtp-proto/proto
//
// Upstream's google.api.http and openapiv2 options are stripped first (their imports are not in the repo).
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const protobuf = require('protobufjs')
const oursDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'proto')
const upstreamArg = process.argv[2]
if (upstreamArg === undefined) {
  console.error('usage: node scripts/compare-upstream.mjs <upstream proto dir>')
  process.exit(2)
}

function list(dir, base = dir, out = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) list(path, base, out)
    else if (name.endsWith('.proto')) out.push(relative(base, path).split(sep).join('/'))
  }
  return out
}

function load(dir, files) {
  const root = new protobuf.Root()
  root.resolvePath = (_origin, target) => join(dir, target)
  root.loadSync(files, { keepCase: true })
  root.resolveAll()
  return root
}

function declarations(root) {
  const out = new Map()
  const walk = (ns) => {
    for (const o of ns.nestedArray) {
      if (o instanceof protobuf.Type || o instanceof protobuf.Enum || o instanceof protobuf.Service)
        out.set(o.fullName, o)
      if (o.nestedArray) walk(o)
    }
  }
  walk(root)
  return out
}

const fieldsOf = (type) =>
  type.fieldsArray
    .map((f) => {
      const optional = f.options?.proto3_optional === true
      const oneof = f.partOf !== null && !optional ? f.partOf.name : ''
      return `${f.id} ${f.name} ${f.rule ?? ''} ${f.type} ${f.keyType ?? ''} ${oneof} ${optional ? 'optional' : ''}`
    })
    .sort()
    .join('\n')
const methodsOf = (service) =>
  service.methodsArray
    .map(
      (m) =>
        `${m.name}(${m.requestStream ? 'stream ' : ''}${m.requestType}) ${m.responseStream ? 'stream ' : ''}${m.responseType}`,
    )
    .sort()
    .join('\n')

const work = mkdtempSync(join(tmpdir(), 'xmtp-lite-upstream-'))
try {
  cpSync(resolve(upstreamArg), work, { recursive: true })
  const files = list(work).filter(
    (f) => !readFileSync(join(work, f), 'utf8').includes('package xmtp.keystore_api'),
  )
  for (const file of files) {
    const path = join(work, file)
    const text = readFileSync(path, 'utf8')
      .replace(/import "(google\/api|protoc-gen-openapiv2)[^"]*";\n/g, '')
      .replace(/option \((google\.api\.http|grpc\.gateway[^)]*)\) = \{[\s\S]*?\n\s*\};/g, '')
    writeFileSync(path, text)
  }
  const ours = declarations(load(oursDir, list(oursDir)))
  const upstream = declarations(load(work, files))
  let problems = 0
  for (const [name, a] of ours) {
    if (name.startsWith('.xmtplite.') || name.startsWith('.google.')) continue
    const b = upstream.get(name)
    const report = (what, x, y) => {
      problems++
      console.log(
        `${what} ${name}\n  ours:\n    ${x.replace(/\n/g, '\n    ')}\n  upstream:\n    ${y.replace(/\n/g, '\n    ')}`,
      )
    }
    if (b === undefined) {
      problems++
      console.log(`not upstream: ${name}`)
    } else if (a instanceof protobuf.Type) {
      if (fieldsOf(a) !== fieldsOf(b)) report('fields differ:', fieldsOf(a), fieldsOf(b))
    } else if (a instanceof protobuf.Enum) {
      const x = JSON.stringify(a.values)
      const y = JSON.stringify(b.values)
      if (x !== y) report('enum values differ:', x, y)
    } else if (methodsOf(a) !== methodsOf(b)) {
      report('methods differ:', methodsOf(a), methodsOf(b))
    }
  }
  const missing = [...upstream.keys()].filter((k) => !ours.has(k))
  console.log(`${ours.size} declarations compared, ${problems} differences`)
  console.log(`upstream declarations not in proto/ (${missing.length}):\n  ${missing.join('\n  ')}`)
  process.exitCode = problems === 0 ? 0 : 1
} finally {
  rmSync(work, { recursive: true, force: true })
}
