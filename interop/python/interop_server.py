"""grpc.testing.TestService on grpcio, as /work/shared/spec/grpc/interop-test-descriptions.md
("Server" section) describes it.

    interop_server.py --port N [--use_tls --tls_cert_file C --tls_key_file K
                      [--tls_client_ca_file CA]]

`--tls_client_ca_file` turns on mutual TLS: clients must present a
certificate signed by that CA. Once serving, prints `READY <port>` on stdout.
Runs until killed (SIGTERM/SIGINT stop it).
"""

import argparse
import signal
import sys
import threading
import time
from concurrent import futures

import grpc

import testing_protos

empty_pb2, messages_pb2, test_pb2, test_pb2_grpc = testing_protos.load()

ECHO_INITIAL_KEY = "x-grpc-test-echo-initial"
ECHO_TRAILING_KEY = "x-grpc-test-echo-trailing-bin"


def echo_metadata(context):
    """Echo Metadata: the initial key goes back in the initial metadata, the
    trailing one in the trailers, each with exactly the value received."""
    initial = []
    trailing = []
    for key, value in context.invocation_metadata():
        if key == ECHO_INITIAL_KEY:
            initial.append((key, value))
        elif key == ECHO_TRAILING_KEY:
            trailing.append((key, value))
    if initial:
        context.send_initial_metadata(initial)
    if trailing:
        context.set_trailing_metadata(trailing)


def zero_payload(response_type, size, context):
    """A payload of `size` zero bytes; COMPRESSABLE is the only type (UnaryCall:
    an unsupported type fails the RPC with INVALID_ARGUMENT)."""
    if response_type != messages_pb2.COMPRESSABLE:
        context.abort(grpc.StatusCode.INVALID_ARGUMENT, "unsupported response_type %d" % response_type)
    if size < 0:
        context.abort(grpc.StatusCode.INVALID_ARGUMENT, "negative response size %d" % size)
    return messages_pb2.Payload(type=response_type, body=b"\x00" * size)


def echo_status(request, context):
    """Echo Status: a non-zero response_status ends the call with that code and
    message, and nothing further is processed."""
    if request.HasField("response_status") and request.response_status.code != 0:
        code = _code_from_number(request.response_status.code)
        context.abort(code, request.response_status.message)


def _code_from_number(number):
    for code in grpc.StatusCode:
        if code.value[0] == number:
            return code
    # A number outside the known codes cannot be sent through the public API.
    return grpc.StatusCode.UNKNOWN


def streaming_responses(request, context):
    """One response per ResponseParameters, each after its interval_us.
    CompressedResponse: the call compresses with gzip when some response asks
    for it, and a response with `compressed: false` goes out uncompressed."""
    if any(p.HasField("compressed") and p.compressed.value for p in request.response_parameters):
        context.set_compression(grpc.Compression.Gzip)
    for parameters in request.response_parameters:
        if parameters.interval_us > 0:
            time.sleep(parameters.interval_us / 1e6)
        if parameters.HasField("compressed") and not parameters.compressed.value:
            context.disable_next_message_compression()
        yield messages_pb2.StreamingOutputCallResponse(
            payload=zero_payload(request.response_type, parameters.size, context)
        )


class TestService(test_pb2_grpc.TestServiceServicer):
    """Every TestService feature but UnimplementedCall, which keeps the
    generated default (UNIMPLEMENTED)."""

    def EmptyCall(self, request, context):
        echo_metadata(context)
        return empty_pb2.Empty()

    def UnaryCall(self, request, context):
        echo_metadata(context)
        echo_status(request, context)
        if request.HasField("response_compressed") and request.response_compressed.value:
            context.set_compression(grpc.Compression.Gzip)
        payload = zero_payload(request.response_type, request.response_size, context)
        return messages_pb2.SimpleResponse(payload=payload)

    def StreamingOutputCall(self, request, context):
        echo_metadata(context)
        echo_status(request, context)
        yield from streaming_responses(request, context)

    def StreamingInputCall(self, request_iterator, context):
        echo_metadata(context)
        size = 0
        for request in request_iterator:
            size += len(request.payload.body)
        return messages_pb2.StreamingInputCallResponse(aggregated_payload_size=size)

    def FullDuplexCall(self, request_iterator, context):
        echo_metadata(context)
        for request in request_iterator:
            echo_status(request, context)
            yield from streaming_responses(request, context)

    def HalfDuplexCall(self, request_iterator, context):
        # Answers only after the client half-closes: requests are buffered first.
        echo_metadata(context)
        requests = list(request_iterator)
        for request in requests:
            echo_status(request, context)
            yield from streaming_responses(request, context)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    testing_protos.add_bool_flag(parser, "--use_tls")
    parser.add_argument("--tls_cert_file")
    parser.add_argument("--tls_key_file")
    parser.add_argument("--tls_client_ca_file")
    args = parser.parse_args()

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
    test_pb2_grpc.add_TestServiceServicer_to_server(TestService(), server)
    address = "[::]:%d" % args.port
    if args.use_tls:
        if not args.tls_cert_file or not args.tls_key_file:
            parser.error("--use_tls needs --tls_cert_file and --tls_key_file")
        with open(args.tls_key_file, "rb") as f:
            key = f.read()
        with open(args.tls_cert_file, "rb") as f:
            cert = f.read()
        client_ca = None
        if args.tls_client_ca_file:
            with open(args.tls_client_ca_file, "rb") as f:
                client_ca = f.read()
        credentials = grpc.ssl_server_credentials(
            [(key, cert)], root_certificates=client_ca, require_client_auth=client_ca is not None
        )
        port = server.add_secure_port(address, credentials)
    else:
        port = server.add_insecure_port(address)
    if port == 0:
        print("cannot listen on %s" % address, file=sys.stderr)
        return 1
    server.start()

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print("READY %d" % port, flush=True)
    stop.wait()
    server.stop(0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
