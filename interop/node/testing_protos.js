'use strict';
// The grpc.testing services loaded from proto/grpc/testing at start-up (no
// generated code is committed), and the flag syntax the interop peers share.

const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const PROTO_ROOT = path.join(__dirname, '..', '..', 'proto');

/** Returns the `grpc.testing` package object: services and message types. */
function load() {
  const definition = protoLoader.loadSync('grpc/testing/test.proto', {
    includeDirs: [PROTO_ROOT],
    keepCase: true, // field names as in the .proto (response_size)
    longs: String,
    enums: String,
    defaults: true, // absent scalars read as their zero value, messages as null
  });
  return grpc.loadPackageDefinition(definition).grpc.testing;
}

/**
 * Parses `--name=value`, `--name value` and, for the names in `booleans`, a
 * bare `--name` (true). Unknown names are an error so a typo cannot pass.
 */
function parseFlags(argv, known, booleans) {
  const flags = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}`);
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    if (!known.includes(name) && !booleans.includes(name)) {
      throw new Error(`unknown flag --${name} (known: ${known.concat(booleans).join(', ')})`);
    }
    let value;
    if (eq !== -1) {
      value = arg.slice(eq + 1);
    } else if (booleans.includes(name)) {
      const next = argv[i + 1];
      if (next === 'true' || next === 'false') {
        value = next;
        i++;
      } else {
        value = 'true';
      }
    } else {
      if (i + 1 >= argv.length) throw new Error(`--${name} needs a value`);
      value = argv[++i];
    }
    if (booleans.includes(name)) {
      if (value !== 'true' && value !== 'false') throw new Error(`--${name} takes true or false`);
      flags[name] = value === 'true';
    } else {
      flags[name] = value;
    }
  }
  return flags;
}

module.exports = { load, parseFlags };
