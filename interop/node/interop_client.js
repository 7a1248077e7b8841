'use strict';
// Interop client on grpc-js: the client test cases of
// /work/shared/spec/grpc/interop-test-descriptions.md, each with every
// assertion listed there.
//
//   node interop_client.js --server_host H --server_port N --test_case NAME|all
//                          [--use_tls [--ca_file F] [--server_host_override NAME]
//                           [--tls_client_cert_file C --tls_client_key_file K]]
//
// Prints `PASS <case>` or `FAIL <case>: <reason>` per case and exits 1 if any
// case failed. --test_case also takes a comma-separated list.

const fs = require('fs');
const grpc = require('@grpc/grpc-js');
const { load, parseFlags } = require('./testing_protos');

const testing = load();

// No case should take long against a local server; a hung case fails instead.
const CALL_TIMEOUT_MS = 10000;

const ECHO_INITIAL = ['x-grpc-test-echo-initial', 'test_initial_metadata_value'];
const ECHO_TRAILING = ['x-grpc-test-echo-trailing-bin', Buffer.from([0xab, 0xab, 0xab])];

const RESPONSE_SIZES = [31415, 9, 2653, 58979];
const REQUEST_SIZES = [27182, 8, 1828, 45904];

/** One assertion of a case did not hold. */
class CaseFailed extends Error {}

function check(condition, reason) {
  if (!condition) throw new CaseFailed(reason);
}

function codeName(code) {
  const name = Object.keys(grpc.status).find(key => grpc.status[key] === code);
  return name === undefined ? String(code) : name;
}

function checkCode(status, want, what) {
  check(status.code === want, `${what}: status ${codeName(status.code)} (${status.details}), want ${codeName(want)}`);
}

function checkPayload(payload, size, what) {
  check(payload !== null && payload !== undefined, `${what}: no payload`);
  check(payload.type === 'COMPRESSABLE', `${what}: payload type ${payload.type}, want COMPRESSABLE`);
  check(payload.body.length === size, `${what}: payload body is ${payload.body.length} bytes, want ${size}`);
  check(payload.body.every(byte => byte === 0), `${what}: payload body is not all zeros`);
}

function zeros(size) {
  return { body: Buffer.alloc(size) };
}

function deadline(ms = CALL_TIMEOUT_MS) {
  return { deadline: Date.now() + ms };
}

/** Runs a unary call; resolves once both its callback and its status came. */
function unary(start) {
  return new Promise(resolve => {
    const result = { initial: null };
    let pending = 2;
    const done = () => {
      if (--pending === 0) resolve(result);
    };
    const call = start((error, response) => {
      result.error = error;
      result.response = response;
      done();
    });
    call.on('metadata', metadata => {
      result.initial = metadata;
    });
    call.on('status', status => {
      result.status = status;
      done();
    });
  });
}

/**
 * The responses of a streaming call, read one at a time (`next`) so a case
 * can answer each before reading on; `status` resolves with the final status.
 */
class Responses {
  constructor(call) {
    this.queue = [];
    this.waiters = [];
    this.last = null;
    this.initial = null;
    call.on('metadata', metadata => {
      this.initial = metadata;
    });
    call.on('data', value => this.push({ value }));
    call.on('end', () => this.finish({ done: true }));
    call.on('error', error => this.finish({ error }));
    this.status = new Promise(resolve => call.on('status', resolve));
  }

  push(item) {
    const waiter = this.waiters.shift();
    if (waiter) waiter(item);
    else this.queue.push(item);
  }

  finish(item) {
    if (this.last) return;
    this.last = item;
    while (this.waiters.length > 0) this.waiters.shift()(item);
  }

  /** The next response as {value}, or {done} / {error} once the stream ended. */
  next() {
    if (this.queue.length > 0) return Promise.resolve(this.queue.shift());
    if (this.last) return Promise.resolve(this.last);
    return new Promise(resolve => this.waiters.push(resolve));
  }

  /** Every response still to come. */
  async rest() {
    const values = [];
    for (;;) {
      const item = await this.next();
      if (!('value' in item)) return values;
      values.push(item.value);
    }
  }
}

async function emptyUnary({ client }) {
  const result = await unary(cb => client.EmptyCall({}, deadline(), cb));
  checkCode(result.status, grpc.status.OK, 'call');
  check(result.response !== null && result.response !== undefined, 'response is null');
}

async function largeUnary({ client }) {
  const request = { response_type: 'COMPRESSABLE', response_size: 314159, payload: zeros(271828) };
  const result = await unary(cb => client.UnaryCall(request, deadline(), cb));
  checkCode(result.status, grpc.status.OK, 'call');
  checkPayload(result.response.payload, 314159, 'response');
}

async function clientStreaming({ client }) {
  const result = await unary(cb => {
    const call = client.StreamingInputCall(deadline(), cb);
    for (const size of REQUEST_SIZES) call.write({ payload: zeros(size) });
    call.end();
    return call;
  });
  checkCode(result.status, grpc.status.OK, 'call');
  const size = result.response.aggregated_payload_size;
  check(size === 74922, `aggregated_payload_size ${size}, want 74922`);
}

async function serverStreaming({ client }) {
  const request = {
    response_type: 'COMPRESSABLE',
    response_parameters: RESPONSE_SIZES.map(size => ({ size })),
  };
  const responses = new Responses(client.StreamingOutputCall(request, deadline()));
  const values = await responses.rest();
  checkCode(await responses.status, grpc.status.OK, 'call');
  check(values.length === 4, `${values.length} responses, want 4`);
  values.forEach((value, i) => checkPayload(value.payload, RESPONSE_SIZES[i], `response ${i}`));
}

async function pingPong({ client }) {
  const call = client.FullDuplexCall(deadline());
  const responses = new Responses(call);
  for (let i = 0; i < 4; i++) {
    call.write({
      response_type: 'COMPRESSABLE',
      response_parameters: [{ size: RESPONSE_SIZES[i] }],
      payload: zeros(REQUEST_SIZES[i]),
    });
    const item = await responses.next();
    if (!('value' in item)) {
      call.cancel();
      throw new CaseFailed(`stream ended after ${i} responses, want 4`);
    }
    checkPayload(item.value.payload, RESPONSE_SIZES[i], `response ${i}`);
  }
  call.end();
  const extra = await responses.rest();
  checkCode(await responses.status, grpc.status.OK, 'call');
  check(extra.length === 0, `${extra.length} responses after the fourth, want none`);
}

async function emptyStream({ client }) {
  const call = client.FullDuplexCall(deadline());
  const responses = new Responses(call);
  call.end();
  const values = await responses.rest();
  checkCode(await responses.status, grpc.status.OK, 'call');
  check(values.length === 0, `${values.length} responses, want none`);
}

async function cancelAfterBegin({ client }) {
  const result = await unary(cb => {
    const call = client.StreamingInputCall(deadline(), cb);
    call.cancel();
    return call;
  });
  checkCode(result.status, grpc.status.CANCELLED, 'call');
  check(result.error && result.error.code === grpc.status.CANCELLED, 'the callback did not report CANCELLED');
}

async function cancelAfterFirstResponse({ client }) {
  const call = client.FullDuplexCall(deadline());
  const responses = new Responses(call);
  call.write({
    response_type: 'COMPRESSABLE',
    response_parameters: [{ size: 31415 }],
    payload: zeros(27182),
  });
  const item = await responses.next();
  if (!('value' in item)) {
    call.cancel();
    throw new CaseFailed('stream ended before the first response');
  }
  checkPayload(item.value.payload, 31415, 'first response');
  call.cancel();
  const extra = await responses.rest();
  checkCode(await responses.status, grpc.status.CANCELLED, 'call');
  check(extra.length === 0, `${extra.length} responses after cancelling`);
}

async function timeoutOnSleepingServer({ client }) {
  const call = client.FullDuplexCall(deadline(1));
  const responses = new Responses(call);
  call.write({ payload: zeros(27182) });
  await responses.rest();
  checkCode(await responses.status, grpc.status.DEADLINE_EXCEEDED, 'call');
}

function checkEchoed(initial, trailing, what) {
  const initialValues = initial ? initial.get(ECHO_INITIAL[0]) : [];
  check(
    initialValues.length === 1 && initialValues[0] === ECHO_INITIAL[1],
    `${what}: initial ${ECHO_INITIAL[0]} is ${JSON.stringify(initialValues)}, want ["${ECHO_INITIAL[1]}"]`,
  );
  const trailingValues = trailing ? trailing.get(ECHO_TRAILING[0]) : [];
  check(
    trailingValues.length === 1 && Buffer.isBuffer(trailingValues[0]) && trailingValues[0].equals(ECHO_TRAILING[1]),
    `${what}: trailing ${ECHO_TRAILING[0]} is ${JSON.stringify(trailingValues)}, want [0xababab]`,
  );
}

async function customMetadata({ client }) {
  const metadata = () => {
    const m = new grpc.Metadata();
    m.add(ECHO_INITIAL[0], ECHO_INITIAL[1]);
    m.add(ECHO_TRAILING[0], ECHO_TRAILING[1]);
    return m;
  };
  const request = { response_type: 'COMPRESSABLE', response_size: 314159, payload: zeros(271828) };
  const result = await unary(cb => client.UnaryCall(request, metadata(), deadline(), cb));
  checkCode(result.status, grpc.status.OK, 'UnaryCall');
  checkPayload(result.response.payload, 314159, 'UnaryCall response');
  checkEchoed(result.initial, result.status.metadata, 'UnaryCall');

  const call = client.FullDuplexCall(metadata(), deadline());
  const responses = new Responses(call);
  call.write({
    response_type: 'COMPRESSABLE',
    response_parameters: [{ size: 314159 }],
    payload: zeros(271828),
  });
  call.end();
  const values = await responses.rest();
  const status = await responses.status;
  checkCode(status, grpc.status.OK, 'FullDuplexCall');
  check(values.length === 1, `FullDuplexCall: ${values.length} responses, want 1`);
  checkPayload(values[0].payload, 314159, 'FullDuplexCall response');
  checkEchoed(responses.initial, status.metadata, 'FullDuplexCall');
}

async function checkEchoedStatus(client, code, message, both) {
  const request = { response_status: { code, message } };
  const result = await unary(cb => client.UnaryCall(request, deadline(), cb));
  check(result.status.code === code, `UnaryCall: status ${codeName(result.status.code)}, want ${codeName(code)}`);
  check(result.status.details === message, `UnaryCall: message ${JSON.stringify(result.status.details)}, want ${JSON.stringify(message)}`);
  check(result.error && result.error.code === code, 'UnaryCall: the callback did not report the status');
  if (!both) return;
  const call = client.FullDuplexCall(deadline());
  const responses = new Responses(call);
  call.write(request);
  call.end();
  await responses.rest();
  const status = await responses.status;
  check(status.code === code, `FullDuplexCall: status ${codeName(status.code)}, want ${codeName(code)}`);
  check(status.details === message, `FullDuplexCall: message ${JSON.stringify(status.details)}, want ${JSON.stringify(message)}`);
}

async function statusCodeAndMessage({ client }) {
  await checkEchoedStatus(client, 2, 'test status message', true);
}

async function specialStatusMessage({ client }) {
  await checkEchoedStatus(client, 2, '\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \u{1f608}\t\n', false);
}

async function unimplementedMethod({ client }) {
  const result = await unary(cb => client.UnimplementedCall({}, deadline(), cb));
  checkCode(result.status, grpc.status.UNIMPLEMENTED, 'TestService/UnimplementedCall');
}

async function unimplementedService({ unimplemented }) {
  const result = await unary(cb => unimplemented.UnimplementedCall({}, deadline(), cb));
  checkCode(result.status, grpc.status.UNIMPLEMENTED, 'UnimplementedService/UnimplementedCall');
}

const CASES = [
  ['empty_unary', emptyUnary],
  ['large_unary', largeUnary],
  ['client_streaming', clientStreaming],
  ['server_streaming', serverStreaming],
  ['ping_pong', pingPong],
  ['empty_stream', emptyStream],
  ['cancel_after_begin', cancelAfterBegin],
  ['cancel_after_first_response', cancelAfterFirstResponse],
  ['timeout_on_sleeping_server', timeoutOnSleepingServer],
  ['custom_metadata', customMetadata],
  ['status_code_and_message', statusCodeAndMessage],
  ['special_status_message', specialStatusMessage],
  ['unimplemented_method', unimplementedMethod],
  ['unimplemented_service', unimplementedService],
];

function makeClients(flags) {
  const target = `${flags.server_host}:${flags.server_port}`;
  let credentials = grpc.credentials.createInsecure();
  const options = {};
  if (flags.use_tls) {
    const read = file => (file ? fs.readFileSync(file) : null);
    credentials = grpc.credentials.createSsl(
      read(flags.ca_file),
      read(flags.tls_client_key_file),
      read(flags.tls_client_cert_file),
    );
    if (flags.server_host_override) {
      options['grpc.ssl_target_name_override'] = flags.server_host_override;
      options['grpc.default_authority'] = flags.server_host_override;
    }
  }
  return {
    client: new testing.TestService(target, credentials, options),
    unimplemented: new testing.UnimplementedService(target, credentials, options),
  };
}

function oneLine(text) {
  return String(text).replace(/\\/g, '\\\\').replace(/\r/g, '\\r').replace(/\n/g, '\\n');
}

async function main() {
  let flags;
  let selected;
  try {
    flags = parseFlags(
      process.argv.slice(2),
      ['server_host', 'server_port', 'server_host_override', 'test_case', 'ca_file', 'tls_client_cert_file', 'tls_client_key_file'],
      ['use_tls', 'use_test_ca'],
    );
    flags.server_host = flags.server_host || 'localhost';
    if (flags.server_port === undefined) throw new Error('--server_port is required');
    if (!flags.tls_client_cert_file !== !flags.tls_client_key_file) {
      throw new Error('--tls_client_cert_file and --tls_client_key_file go together');
    }
    const testCase = flags.test_case || 'all';
    selected = testCase === 'all' ? CASES : testCase.split(',').map(name => {
      const found = CASES.find(([caseName]) => caseName === name);
      if (!found) throw new Error(`unknown test case ${name} (known: ${CASES.map(c => c[0]).join(', ')})`);
      return found;
    });
  } catch (e) {
    console.error(`interop_client: ${e.message}`);
    process.exit(2);
  }

  const clients = makeClients(flags);
  let failures = 0;
  for (const [name, run] of selected) {
    try {
      let timer;
      const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new CaseFailed(`no result within ${CALL_TIMEOUT_MS + 2000} ms`)), CALL_TIMEOUT_MS + 2000);
      });
      await Promise.race([run(clients), timeout]).finally(() => clearTimeout(timer));
      console.log(`PASS ${name}`);
    } catch (e) {
      failures++;
      const reason = e instanceof CaseFailed ? e.message : `${e.name}: ${e.message}`;
      console.log(`FAIL ${name}: ${oneLine(reason)}`);
    }
  }
  clients.client.close();
  clients.unimplemented.close();
  // Exit at once: grpc-js may keep a cancelled call's deadline timer alive
  // until it fires, which would hold the process for CALL_TIMEOUT_MS.
  process.stdout.write('', () => process.exit(failures > 0 ? 1 : 0));
}

main();
