'use strict';
// grpc.testing.TestService on grpc-js, as
// /work/shared/spec/grpc/interop-test-descriptions.md ("Server") describes it.
//
//   node interop_server.js --port N [--use_tls --tls_cert_file C --tls_key_file K
//                          [--tls_client_ca_file CA]]
//
// --tls_client_ca_file turns on mutual TLS: clients must present a certificate
// signed by that CA. Once serving, prints `READY <port>`; runs until killed.
// Not implemented (not observable through grpc-js's public API): compressing
// chosen responses (response_compressed) and checking expect_compressed.

const fs = require('fs');
const grpc = require('@grpc/grpc-js');
const { load, parseFlags } = require('./testing_protos');

const testing = load();

const ECHO_INITIAL_KEY = 'x-grpc-test-echo-initial';
const ECHO_TRAILING_KEY = 'x-grpc-test-echo-trailing-bin';

/**
 * Echo Metadata: sends back the initial key at once and returns the trailers
 * to end the call with (the trailing key, exactly as received).
 */
function echoMetadata(call) {
  const initial = call.metadata.get(ECHO_INITIAL_KEY);
  if (initial.length > 0) {
    const metadata = new grpc.Metadata();
    for (const value of initial) metadata.add(ECHO_INITIAL_KEY, value);
    call.sendMetadata(metadata);
  }
  const trailers = new grpc.Metadata();
  for (const value of call.metadata.get(ECHO_TRAILING_KEY)) trailers.add(ECHO_TRAILING_KEY, value);
  return trailers;
}

/** Echo Status: the status a request asks the call to end with, or null. */
function echoedStatus(request, trailers) {
  const status = request.response_status;
  if (status && status.code !== 0) {
    return { code: status.code, details: status.message, metadata: trailers };
  }
  return null;
}

/**
 * A payload of `size` zero bytes, or the INVALID_ARGUMENT status when the type
 * is not COMPRESSABLE (the only one) or the size is negative.
 */
function zeroPayload(type, size, trailers) {
  if (type !== 'COMPRESSABLE') {
    return { error: { code: grpc.status.INVALID_ARGUMENT, details: `unsupported response_type ${type}`, metadata: trailers } };
  }
  if (size < 0) {
    return { error: { code: grpc.status.INVALID_ARGUMENT, details: `negative response size ${size}`, metadata: trailers } };
  }
  return { payload: { type, body: Buffer.alloc(size) } };
}

function sleep(ms) {
  return new Promise(resolve => setTimeout(resolve, ms));
}

/**
 * Writes one response per ResponseParameters, each after its interval_us.
 * Returns the status to end the call with if one is due, else null.
 */
async function writeResponses(call, request, trailers) {
  for (const parameters of request.response_parameters) {
    if (parameters.interval_us > 0) await sleep(parameters.interval_us / 1000);
    if (call.cancelled) return null;
    const { payload, error } = zeroPayload(request.response_type, parameters.size, trailers);
    if (error) return error;
    call.write({ payload });
  }
  return null;
}

function emptyCall(call, callback) {
  callback(null, {}, echoMetadata(call));
}

function unaryCall(call, callback) {
  const trailers = echoMetadata(call);
  const status = echoedStatus(call.request, trailers);
  if (status) return callback(status);
  const { payload, error } = zeroPayload(call.request.response_type, call.request.response_size, trailers);
  if (error) return callback(error);
  callback(null, { payload }, trailers);
}

function streamingOutputCall(call) {
  const trailers = echoMetadata(call);
  const status = echoedStatus(call.request, trailers);
  if (status) return call.emit('error', status);
  writeResponses(call, call.request, trailers).then(error => {
    if (error) call.emit('error', error);
    else if (!call.cancelled) call.end(trailers);
  });
}

function streamingInputCall(call, callback) {
  const trailers = echoMetadata(call);
  let size = 0;
  call.on('data', request => {
    size += request.payload ? request.payload.body.length : 0;
  });
  call.on('end', () => callback(null, { aggregated_payload_size: size }, trailers));
}

/**
 * FullDuplexCall answers each request as it arrives; HalfDuplexCall
 * (`buffered`) holds them all until the client half-closes. Responses stay in
 * request order, and a request with a response_status ends the call.
 */
function duplexCall(buffered) {
  return call => {
    const trailers = echoMetadata(call);
    let chain = Promise.resolve();
    let finished = false;
    const held = [];
    const finish = status => {
      finished = true;
      if (call.cancelled) return;
      if (status) call.emit('error', status);
      else call.end(trailers);
    };
    const answer = request => {
      chain = chain.then(async () => {
        if (finished || call.cancelled) return;
        const status = echoedStatus(request, trailers) || (await writeResponses(call, request, trailers));
        if (status) finish(status);
      });
    };
    call.on('cancelled', () => {
      finished = true;
    });
    call.on('data', request => (buffered ? held.push(request) : answer(request)));
    call.on('end', () => {
      held.forEach(answer);
      chain = chain.then(() => {
        if (!finished) finish(null);
      });
    });
  };
}

function main() {
  let flags;
  try {
    flags = parseFlags(process.argv.slice(2), ['port', 'tls_cert_file', 'tls_key_file', 'tls_client_ca_file'], ['use_tls']);
    if (flags.port === undefined) throw new Error('--port is required');
    if (flags.use_tls && (!flags.tls_cert_file || !flags.tls_key_file)) {
      throw new Error('--use_tls needs --tls_cert_file and --tls_key_file');
    }
  } catch (e) {
    console.error(`interop_server: ${e.message}`);
    process.exit(2);
  }

  const server = new grpc.Server();
  // UnimplementedCall is left out on purpose: grpc-js answers it UNIMPLEMENTED.
  server.addService(testing.TestService.service, {
    EmptyCall: emptyCall,
    UnaryCall: unaryCall,
    StreamingOutputCall: streamingOutputCall,
    StreamingInputCall: streamingInputCall,
    FullDuplexCall: duplexCall(false),
    HalfDuplexCall: duplexCall(true),
  });

  let credentials = grpc.ServerCredentials.createInsecure();
  if (flags.use_tls) {
    const clientCa = flags.tls_client_ca_file ? fs.readFileSync(flags.tls_client_ca_file) : null;
    credentials = grpc.ServerCredentials.createSsl(
      clientCa,
      [{ private_key: fs.readFileSync(flags.tls_key_file), cert_chain: fs.readFileSync(flags.tls_cert_file) }],
      clientCa !== null,
    );
  }
  server.bindAsync(`[::]:${flags.port}`, credentials, (error, port) => {
    if (error) {
      console.error(`interop_server: cannot listen on port ${flags.port}: ${error.message}`);
      process.exit(1);
    }
    console.log(`READY ${port}`);
  });
  const stop = () => {
    server.forceShutdown();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
