#!/usr/bin/env python3
"""Records the HTTP/2 exchanges of wire/h2/ through the frame_trace relay.

    cargo build --example frame_trace
    .peers/venv/bin/python3 wire/h2/record.py [NAME...]

For each exchange: start a server (nghttpd, or a grpcio server for
echo.proto), start `frame_trace --record NAME.chunks` in front of it, run the
client (curl, a grpcio client, a grpc-js client) against the relay, then write
NAME.trace.txt: the human annotations already at the top of the file (kept
as they are), the `==== generated` line, and `frame_trace --replay`'s output.

Environment: NODE_MODULES (default interop/node/node_modules, made by
.ci/setup-peers) for the grpc-js client. Peers are nondeterministic (ports,
dates, timing), so the test replays the committed recordings and never
re-records.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
RELAY = os.path.join(ROOT, "target", "debug", "examples", "frame_trace")
PROTO = os.path.join(HERE, "echo.proto")
SEPARATOR = "==== generated:"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, deadline=10.0):
    end = time.time() + deadline
    while time.time() < end:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


# ---------------------------------------------------------------- grpcio side

def echo_modules():
    """Generates echo_pb2 and echo_pb2_grpc into a temporary directory."""
    from grpc_tools import protoc

    out = tempfile.mkdtemp(prefix="echo_pb2_")
    code = protoc.main(["protoc", f"-I{HERE}", f"--python_out={out}",
                        f"--grpc_python_out={out}", PROTO])
    if code != 0:
        raise RuntimeError("grpc_tools.protoc failed")
    sys.path.insert(0, out)
    import echo_pb2
    import echo_pb2_grpc
    return echo_pb2, echo_pb2_grpc


def serve(port):
    """A grpcio server for echo.Echo (run as `record.py serve PORT`)."""
    from concurrent import futures

    import grpc
    pb, pb_grpc = echo_modules()

    class Echo(pb_grpc.EchoServicer):
        def Say(self, request, context):
            return pb.EchoReply(text=request.text, index=1)

        def Count(self, request, context):
            for i in range(request.count):
                if not context.is_active():
                    return
                yield pb.EchoReply(text=request.text, index=i + 1)
                time.sleep(request.delta / 1000.0)

        def Fail(self, request, context):
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, request.text)

        def Sleep(self, request, context):
            time.sleep(request.count / 1000.0)
            return pb.EchoReply(text=request.text)

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    pb_grpc.add_EchoServicer_to_server(Echo(), server)
    server.add_insecure_port(f"127.0.0.1:{port}")
    server.start()
    print("serving", flush=True)
    server.wait_for_termination()


def grpc_client(case, port):
    """The grpcio client of one exchange (run as `record.py client CASE PORT`)."""
    import grpc
    pb, pb_grpc = echo_modules()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    stub = pb_grpc.EchoStub(channel)
    if case == "grpc_unary":
        request = pb.EchoRequest(text="hello", count=2, delta=-3, values=[1, 150, 300],
                                 detail=pb.Detail(flag=True, ratio=0.5))
        print(stub.Say(request, timeout=5))
        print(stub.Say(pb.EchoRequest(text="again"), timeout=5))
    elif case == "grpc_server_streaming":
        for reply in stub.Count(pb.EchoRequest(text="tick", count=3), timeout=5):
            print(reply)
    elif case == "grpc_error_status":
        try:
            stub.Fail(pb.EchoRequest(text="bad input: 100% not \u00abok\u00bb\nline 2"), timeout=5)
        except grpc.RpcError as e:
            print(e.code(), repr(e.details()))
    elif case == "grpc_deadline":
        try:
            stub.Sleep(pb.EchoRequest(text="slow", count=1000), timeout=0.2)
        except grpc.RpcError as e:
            print(e.code())
        time.sleep(1.2)
    elif case == "grpc_cancel":
        call = stub.Count(pb.EchoRequest(text="tick", count=50, delta=100), timeout=10)
        for i, reply in enumerate(call):
            print(reply)
            if i == 1:
                call.cancel()
                break
        time.sleep(0.5)
    else:
        raise SystemExit(f"unknown case {case}")
    channel.close()


GRPC_JS_CLIENT = r"""
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const def = protoLoader.loadSync(process.argv[1], { keepCase: true });
const echo = grpc.loadPackageDefinition(def).echo;
const client = new echo.Echo(`127.0.0.1:${process.argv[2]}`, grpc.credentials.createInsecure());
client.Say({ text: 'from grpc-js', count: 7 }, { deadline: Date.now() + 5000 }, (err, reply) => {
  console.log(err ? err.message : JSON.stringify(reply));
  client.close();
});
"""


# ---------------------------------------------------------------- exchanges

def nghttpd(port, docroot):
    with open(os.path.join(docroot, "index.html"), "w") as f:
        f.write("<h1>hello h2</h1>\n")
    with open(os.path.join(docroot, "form"), "w") as f:
        f.write("thanks\n")
    return subprocess.Popen(["nghttpd", "--no-tls", "-d", docroot, str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def grpc_server(port):
    proc = subprocess.Popen([sys.executable, __file__, "serve", str(port)],
                            stdout=subprocess.PIPE)
    proc.stdout.readline()
    return proc


def curl(url_list, extra=()):
    return ["curl", "-sS", "--http2-prior-knowledge", *extra, *url_list]


EXCHANGES = {
    # name: (server kind, client command builder, trace with echo.proto)
    "curl_get": ("nghttpd", lambda p: curl([f"http://127.0.0.1:{p}/index.html"]), False),
    "curl_post": ("nghttpd", lambda p: curl([f"http://127.0.0.1:{p}/form"],
                                            ["-d", "name=grpclite&lang=rust"]), False),
    # curl 7.88 fails a second request on a prior-knowledge connection to
    # nghttpd ("Error in the HTTP2 framing layer"), so nghttp makes two.
    "nghttp_get_twice": ("nghttpd", lambda p: ["nghttp", f"http://127.0.0.1:{p}/index.html",
                                               f"http://127.0.0.1:{p}/form"], False),
    "grpc_unary": ("grpc", None, True),
    "grpc_server_streaming": ("grpc", None, True),
    "grpc_error_status": ("grpc", None, True),
    "grpc_deadline": ("grpc", None, True),
    "grpc_cancel": ("grpc", None, True),
    "grpcjs_unary": ("grpc", lambda p: ["node", "-e", GRPC_JS_CLIENT, PROTO, str(p)], False),
}


def record(name):
    server_kind, client, with_proto = EXCHANGES[name]
    upstream, listen = free_port(), free_port()
    docroot = tempfile.mkdtemp(prefix="docroot_")
    server = nghttpd(upstream, docroot) if server_kind == "nghttpd" else grpc_server(upstream)
    chunks = os.path.join(HERE, f"{name}.chunks")
    if os.path.exists(chunks):
        os.remove(chunks)
    relay = subprocess.Popen([RELAY, "--listen", f"127.0.0.1:{listen}",
                              "--upstream", f"127.0.0.1:{upstream}", "--record", chunks],
                             stdout=subprocess.DEVNULL)
    try:
        wait_listening(upstream)
        time.sleep(0.3)
        if client is None:
            command = [sys.executable, __file__, "client", name, str(listen)]
        else:
            command = client(listen)
        env = dict(os.environ)
        env["NODE_PATH"] = os.environ.get(
            "NODE_MODULES", os.path.join(ROOT, "interop", "node", "node_modules"))
        subprocess.run(command, check=True, env=env, timeout=30)
        end = time.time() + 10
        while not os.path.exists(chunks) and time.time() < end:
            time.sleep(0.05)
        time.sleep(0.2)
    finally:
        relay.terminate()
        server.terminate()
        relay.wait()
        server.wait()
        shutil.rmtree(docroot)
    if not os.path.exists(chunks):
        raise RuntimeError(f"{name}: the relay wrote no recording")
    if os.path.exists(chunks + ".2"):
        print(f"{name}: warning: the client opened more than one connection")
    write_trace(name, with_proto)


def write_trace(name, with_proto):
    args = ["--replay", f"{name}.chunks"]
    if with_proto:
        args += ["--proto", "echo.proto", "-I", "."]
    generated = subprocess.run([RELAY, *args], cwd=HERE, check=True,
                               capture_output=True, text=True).stdout
    path = os.path.join(HERE, f"{name}.trace.txt")
    notes = f"# {name}\n#\n# (annotations to write)\n"
    if os.path.exists(path):
        with open(path) as f:
            notes = f.read().split(SEPARATOR, 1)[0]
    with open(path, "w") as f:
        f.write(notes)
        f.write(f"{SEPARATOR} frame_trace {' '.join(args)} ====\n")
        f.write(generated)
    print(f"{name}: {len(generated.splitlines())} lines")


def main():
    if sys.argv[1:2] == ["serve"]:
        return serve(int(sys.argv[2]))
    if sys.argv[1:2] == ["client"]:
        return grpc_client(sys.argv[2], int(sys.argv[3]))
    if sys.argv[1:2] == ["retrace"]:
        for name in sys.argv[2:] or EXCHANGES:
            write_trace(name, EXCHANGES[name][2])
        return
    for name in sys.argv[1:] or EXCHANGES:
        record(name)


if __name__ == "__main__":
    main()
