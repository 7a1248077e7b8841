# A grpcio (C core) server for the client API tests.
# Usage: api_client_server.py [--port N] [--tls CERT KEY [--mtls CLIENT_CA]] [--unix PATH]
# (--mtls must come before --tls)
# Prints "PORT <n>" once serving; exits when stdin closes.
import os
import sys
import threading
import time
from concurrent import futures

import grpc
from google.protobuf import wrappers_pb2

S = wrappers_pb2.StringValue


def text(value):
    return S(value=value)


def echo(request, context):
    context.send_initial_metadata((("x-header", "h"),))
    context.set_trailing_metadata((("x-trailer", "t"), ("x-raw-bin", b"\x00\xff")))
    return text("echo:" + request.value)


def inspect(request, context):
    md = dict(context.invocation_metadata())
    return text("token=%s agent=%s" % (md.get("authorization"), md.get("user-agent", "").split(" ")[0]))


def fail(request, context):
    context.abort(grpc.StatusCode.NOT_FOUND, "no such thing")


def slow(request, context):
    time.sleep(3)
    return text("late")


def count(request, context):
    context.send_initial_metadata((("x-header", "stream"),))
    for i in range(int(request.value)):
        yield text(str(i))
    context.set_trailing_metadata((("x-count", request.value),))


def forever(request, context):
    i = 0
    while context.is_active():
        yield text(str(i))
        i += 1
        time.sleep(0.01)


def join(requests, context):
    return text(",".join(r.value for r in requests))


def shout(requests, context):
    for r in requests:
        yield text(r.value.upper())


def total(requests, context):
    return text(str(sum(len(r.value) for r in requests)))


def stop(request, context):
    # A graceful stop: GOAWAY, calls in flight get 5 s to finish.
    threading.Thread(target=lambda: (time.sleep(0.2), server.stop(5)), daemon=True).start()
    return text("stopping")


def big(request, context):
    return text("x" * int(request.value))


def kinds(fn, kind):
    return getattr(grpc, kind)(fn, request_deserializer=S.FromString, response_serializer=S.SerializeToString)


handlers = {
    "Echo": kinds(echo, "unary_unary_rpc_method_handler"),
    "Inspect": kinds(inspect, "unary_unary_rpc_method_handler"),
    "Fail": kinds(fail, "unary_unary_rpc_method_handler"),
    "Slow": kinds(slow, "unary_unary_rpc_method_handler"),
    "Big": kinds(big, "unary_unary_rpc_method_handler"),
    "Stop": kinds(stop, "unary_unary_rpc_method_handler"),
    "Count": kinds(count, "unary_stream_rpc_method_handler"),
    "Forever": kinds(forever, "unary_stream_rpc_method_handler"),
    "Join": kinds(join, "stream_unary_rpc_method_handler"),
    "Total": kinds(total, "stream_unary_rpc_method_handler"),
    "Shout": kinds(shout, "stream_stream_rpc_method_handler"),
}

port = 0
tls = None
unix = None
client_ca = None
args = sys.argv[1:]
while args:
    if args[0] == "--port":
        port = int(args[1])
        args = args[2:]
    elif args[0] == "--mtls":
        client_ca = open(args[1], "rb").read()
        args = args[2:]
    elif args[0] == "--unix":
        unix = args[1]
        args = args[2:]
    elif args[0] == "--tls":
        tls = (open(args[1], "rb").read(), open(args[2], "rb").read())
        args = args[3:]
    else:
        raise SystemExit("unknown argument " + args[0])

server = grpc.server(futures.ThreadPoolExecutor(max_workers=32), options=[("grpc.so_reuseport", 0)])
server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("grpclite.test.Client", handlers),))
if unix:
    server.add_insecure_port("unix:" + unix)
elif tls:
    creds = grpc.ssl_server_credentials(
        [(tls[1], tls[0])], root_certificates=client_ca, require_client_auth=client_ca is not None
    )
    port = server.add_secure_port("127.0.0.1:%d" % port, creds)
else:
    port = server.add_insecure_port("127.0.0.1:%d" % port)
server.start()
print("PORT %d" % port, flush=True)


def watch_stdin():
    sys.stdin.read()
    os._exit(0)


threading.Thread(target=watch_stdin, daemon=True).start()
server.wait_for_termination()
