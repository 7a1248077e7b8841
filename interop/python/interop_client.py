"""Interop client on grpcio: the client test cases of
/work/shared/spec/grpc/interop-test-descriptions.md, each with every assertion
listed there.

    interop_client.py --server_host H --server_port N --test_case NAME|all
                      [--use_tls [--ca_file F] [--server_host_override NAME]
                       [--tls_client_cert_file C --tls_client_key_file K]]

Prints `PASS <case>` or `FAIL <case>: <reason>` per case and exits 1 if any
case failed. `--test_case` also takes a comma-separated list.
"""

import argparse
import queue
import sys

import grpc

import testing_protos

empty_pb2, messages_pb2, test_pb2, test_pb2_grpc = testing_protos.load()

# No case should take long against a local server; a hung case fails instead.
CALL_TIMEOUT_S = 10.0

ECHO_INITIAL = ("x-grpc-test-echo-initial", "test_initial_metadata_value")
ECHO_TRAILING = ("x-grpc-test-echo-trailing-bin", b"\xab\xab\xab")


class CaseFailed(Exception):
    """One assertion of a case did not hold."""


def check(condition, reason):
    if not condition:
        raise CaseFailed(reason)


def check_payload(payload, size, what):
    check(payload.type == messages_pb2.COMPRESSABLE, "%s: payload type %d, want COMPRESSABLE" % (what, payload.type))
    check(len(payload.body) == size, "%s: payload body is %d bytes, want %d" % (what, len(payload.body), size))
    check(payload.body == b"\x00" * size, "%s: payload body is not all zeros" % what)


def check_code(code, want, what):
    check(code == want, "%s: status %s, want %s" % (what, code, want))


def zeros(size):
    return messages_pb2.Payload(body=b"\x00" * size)


class Pipe:
    """A request stream the case feeds one message at a time, so it can wait
    for a reply before sending the next (ping_pong) or never finish (cancel)."""

    _END = object()

    def __init__(self):
        self._queue = queue.Queue()

    def __iter__(self):
        return self

    def __next__(self):
        item = self._queue.get()
        if item is Pipe._END:
            raise StopIteration()
        return item

    def add(self, request):
        self._queue.put(request)

    def close(self):
        self._queue.put(Pipe._END)


def empty_unary(stub, _unimplemented):
    response = stub.EmptyCall(empty_pb2.Empty(), timeout=CALL_TIMEOUT_S)
    check(isinstance(response, empty_pb2.Empty), "response is %r, want an Empty" % (response,))


def large_unary(stub, _unimplemented):
    request = messages_pb2.SimpleRequest(
        response_type=messages_pb2.COMPRESSABLE, response_size=314159, payload=zeros(271828)
    )
    response = stub.UnaryCall(request, timeout=CALL_TIMEOUT_S)
    check_payload(response.payload, 314159, "response")


def client_streaming(stub, _unimplemented):
    requests = [messages_pb2.StreamingInputCallRequest(payload=zeros(size)) for size in (27182, 8, 1828, 45904)]
    response = stub.StreamingInputCall(iter(requests), timeout=CALL_TIMEOUT_S)
    check(
        response.aggregated_payload_size == 74922,
        "aggregated_payload_size %d, want 74922" % response.aggregated_payload_size,
    )


RESPONSE_SIZES = (31415, 9, 2653, 58979)
REQUEST_SIZES = (27182, 8, 1828, 45904)


def server_streaming(stub, _unimplemented):
    request = messages_pb2.StreamingOutputCallRequest(
        response_type=messages_pb2.COMPRESSABLE,
        response_parameters=[messages_pb2.ResponseParameters(size=size) for size in RESPONSE_SIZES],
    )
    call = stub.StreamingOutputCall(request, timeout=CALL_TIMEOUT_S)
    responses = list(call)
    check(len(responses) == 4, "%d responses, want 4" % len(responses))
    for index, (response, size) in enumerate(zip(responses, RESPONSE_SIZES)):
        check_payload(response.payload, size, "response %d" % index)
    check_code(call.code(), grpc.StatusCode.OK, "call")


def ping_pong(stub, _unimplemented):
    pipe = Pipe()
    call = stub.FullDuplexCall(pipe, timeout=CALL_TIMEOUT_S)
    try:
        for index, (response_size, request_size) in enumerate(zip(RESPONSE_SIZES, REQUEST_SIZES)):
            pipe.add(
                messages_pb2.StreamingOutputCallRequest(
                    response_type=messages_pb2.COMPRESSABLE,
                    response_parameters=[messages_pb2.ResponseParameters(size=response_size)],
                    payload=zeros(request_size),
                )
            )
            response = next(call, None)
            check(response is not None, "stream ended after %d responses, want 4" % index)
            check_payload(response.payload, response_size, "response %d" % index)
    finally:
        pipe.close()
    extra = list(call)
    check(not extra, "%d responses after the fourth, want none" % len(extra))
    check_code(call.code(), grpc.StatusCode.OK, "call")


def empty_stream(stub, _unimplemented):
    call = stub.FullDuplexCall(iter(()), timeout=CALL_TIMEOUT_S)
    responses = list(call)
    check(not responses, "%d responses, want none" % len(responses))
    check_code(call.code(), grpc.StatusCode.OK, "call")


def cancel_after_begin(stub, _unimplemented):
    pipe = Pipe()
    future = stub.StreamingInputCall.future(pipe, timeout=CALL_TIMEOUT_S)
    future.cancel()
    pipe.close()
    check(future.cancelled(), "the call did not end as cancelled")
    check_code(future.code(), grpc.StatusCode.CANCELLED, "call")


def cancel_after_first_response(stub, _unimplemented):
    pipe = Pipe()
    call = stub.FullDuplexCall(pipe, timeout=CALL_TIMEOUT_S)
    try:
        pipe.add(
            messages_pb2.StreamingOutputCallRequest(
                response_type=messages_pb2.COMPRESSABLE,
                response_parameters=[messages_pb2.ResponseParameters(size=31415)],
                payload=zeros(27182),
            )
        )
        response = next(call, None)
        check(response is not None, "stream ended before the first response")
        check_payload(response.payload, 31415, "first response")
        call.cancel()
    finally:
        pipe.close()
    try:
        next(call)
        raise CaseFailed("a response arrived after cancelling")
    except grpc.RpcError:
        pass
    check_code(call.code(), grpc.StatusCode.CANCELLED, "call")


def timeout_on_sleeping_server(stub, _unimplemented):
    pipe = Pipe()
    call = stub.FullDuplexCall(pipe, timeout=0.001)
    try:
        pipe.add(messages_pb2.StreamingOutputCallRequest(payload=zeros(27182)))
        try:
            for _ in call:
                pass
            raise CaseFailed("the call ended without an error")
        except grpc.RpcError:
            pass
    finally:
        pipe.close()
    check_code(call.code(), grpc.StatusCode.DEADLINE_EXCEEDED, "call")


def _check_echoed(initial, trailing, what):
    initial = list(initial or ())
    trailing = list(trailing or ())
    check(ECHO_INITIAL in initial, "%s: initial metadata %r lacks %r" % (what, initial, ECHO_INITIAL))
    check(ECHO_TRAILING in trailing, "%s: trailing metadata %r lacks %r" % (what, trailing, ECHO_TRAILING))


def custom_metadata(stub, _unimplemented):
    metadata = (ECHO_INITIAL, ECHO_TRAILING)
    request = messages_pb2.SimpleRequest(
        response_type=messages_pb2.COMPRESSABLE, response_size=314159, payload=zeros(271828)
    )
    response, call = stub.UnaryCall.with_call(request, metadata=metadata, timeout=CALL_TIMEOUT_S)
    check_payload(response.payload, 314159, "UnaryCall response")
    check_code(call.code(), grpc.StatusCode.OK, "UnaryCall")
    _check_echoed(call.initial_metadata(), call.trailing_metadata(), "UnaryCall")

    stream_request = messages_pb2.StreamingOutputCallRequest(
        response_type=messages_pb2.COMPRESSABLE,
        response_parameters=[messages_pb2.ResponseParameters(size=314159)],
        payload=zeros(271828),
    )
    call = stub.FullDuplexCall(iter([stream_request]), metadata=metadata, timeout=CALL_TIMEOUT_S)
    initial = call.initial_metadata()
    responses = list(call)
    check(len(responses) == 1, "FullDuplexCall: %d responses, want 1" % len(responses))
    check_payload(responses[0].payload, 314159, "FullDuplexCall response")
    check_code(call.code(), grpc.StatusCode.OK, "FullDuplexCall")
    _check_echoed(initial, call.trailing_metadata(), "FullDuplexCall")


def _check_echoed_status(stub, code, message, both):
    status = messages_pb2.EchoStatus(code=code, message=message)
    try:
        stub.UnaryCall(messages_pb2.SimpleRequest(response_status=status), timeout=CALL_TIMEOUT_S)
        raise CaseFailed("UnaryCall succeeded, want status %d" % code)
    except grpc.RpcError as error:
        check(error.code().value[0] == code, "UnaryCall: status %s, want %d" % (error.code(), code))
        check(error.details() == message, "UnaryCall: message %r, want %r" % (error.details(), message))
    if not both:
        return
    call = stub.FullDuplexCall(
        iter([messages_pb2.StreamingOutputCallRequest(response_status=status)]), timeout=CALL_TIMEOUT_S
    )
    try:
        responses = list(call)
        raise CaseFailed("FullDuplexCall ended OK after %d responses, want status %d" % (len(responses), code))
    except grpc.RpcError:
        pass
    check(call.code().value[0] == code, "FullDuplexCall: status %s, want %d" % (call.code(), code))
    check(call.details() == message, "FullDuplexCall: message %r, want %r" % (call.details(), message))


def status_code_and_message(stub, _unimplemented):
    _check_echoed_status(stub, 2, "test status message", both=True)


def special_status_message(stub, _unimplemented):
    message = "\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \U0001f608\t\n"
    _check_echoed_status(stub, 2, message, both=False)


def _check_unimplemented(method, what):
    try:
        method(empty_pb2.Empty(), timeout=CALL_TIMEOUT_S)
        raise CaseFailed("%s succeeded, want UNIMPLEMENTED" % what)
    except grpc.RpcError as error:
        check_code(error.code(), grpc.StatusCode.UNIMPLEMENTED, what)


def unimplemented_method(stub, _unimplemented):
    _check_unimplemented(stub.UnimplementedCall, "TestService/UnimplementedCall")


def unimplemented_service(_stub, unimplemented):
    _check_unimplemented(unimplemented.UnimplementedCall, "UnimplementedService/UnimplementedCall")


CASES = (
    empty_unary,
    large_unary,
    client_streaming,
    server_streaming,
    ping_pong,
    empty_stream,
    cancel_after_begin,
    cancel_after_first_response,
    timeout_on_sleeping_server,
    custom_metadata,
    status_code_and_message,
    special_status_message,
    unimplemented_method,
    unimplemented_service,
)


def make_channel(args):
    target = "%s:%d" % (args.server_host, args.server_port)
    if not args.use_tls:
        return grpc.insecure_channel(target)
    root = None
    if args.ca_file:
        with open(args.ca_file, "rb") as f:
            root = f.read()
    key = cert = None
    if args.tls_client_cert_file or args.tls_client_key_file:
        with open(args.tls_client_key_file, "rb") as f:
            key = f.read()
        with open(args.tls_client_cert_file, "rb") as f:
            cert = f.read()
    credentials = grpc.ssl_channel_credentials(root_certificates=root, private_key=key, certificate_chain=cert)
    options = []
    if args.server_host_override:
        options = [
            ("grpc.ssl_target_name_override", args.server_host_override),
            ("grpc.default_authority", args.server_host_override),
        ]
    return grpc.secure_channel(target, credentials, options)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server_host", default="localhost")
    parser.add_argument("--server_port", type=int, required=True)
    parser.add_argument("--server_host_override")
    parser.add_argument("--test_case", default="all")
    testing_protos.add_bool_flag(parser, "--use_tls")
    testing_protos.add_bool_flag(parser, "--use_test_ca")
    parser.add_argument("--ca_file")
    parser.add_argument("--tls_client_cert_file")
    parser.add_argument("--tls_client_key_file")
    args = parser.parse_args()
    if bool(args.tls_client_cert_file) != bool(args.tls_client_key_file):
        parser.error("--tls_client_cert_file and --tls_client_key_file go together")

    by_name = {case.__name__: case for case in CASES}
    if args.test_case == "all":
        selected = list(CASES)
    else:
        selected = []
        for name in args.test_case.split(","):
            if name not in by_name:
                parser.error("unknown test case %r (known: %s)" % (name, ", ".join(by_name)))
            selected.append(by_name[name])

    failures = 0
    with make_channel(args) as channel:
        stub = test_pb2_grpc.TestServiceStub(channel)
        unimplemented = test_pb2_grpc.UnimplementedServiceStub(channel)
        for case in selected:
            try:
                case(stub, unimplemented)
                print("PASS %s" % case.__name__, flush=True)
            except Exception as error:  # a broken case is reported, never crashes the run
                failures += 1
                reason = _describe(error)
                print("FAIL %s: %s" % (case.__name__, reason), flush=True)
    return 1 if failures else 0


def _describe(error):
    if isinstance(error, grpc.RpcError) and hasattr(error, "code"):
        text = "unexpected status %s: %s" % (error.code(), error.details())
    elif isinstance(error, CaseFailed):
        text = str(error)
    else:
        text = "%s: %s" % (type(error).__name__, error)
    return text.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n")


if __name__ == "__main__":
    sys.exit(main())
