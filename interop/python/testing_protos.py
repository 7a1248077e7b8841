"""The grpc.testing messages and stubs, generated at start-up.

Nothing generated is committed: the protos in `proto/grpc/testing/` are
compiled with grpc_tools.protoc into a temporary directory. Their imports
name `grpc/testing/...`, which would make Python modules under `grpc.testing`
and clash with the grpcio package itself, so the copies are placed under
`grpc_testing/` with their import lines rewritten to match. Only the file
names change: the proto package stays `grpc.testing`, so the method paths on
the wire (`/grpc.testing.TestService/UnaryCall`) are the standard ones.
"""

import atexit
import importlib
import os
import shutil
import sys
import tempfile

PROTO_FILES = ("empty.proto", "messages.proto", "test.proto")


def _proto_root():
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.join(here, "..", "..", "proto", "grpc", "testing")


def load():
    """Compiles the protos and returns (empty_pb2, messages_pb2, test_pb2, test_pb2_grpc)."""
    from grpc_tools import protoc

    out = tempfile.mkdtemp(prefix="grpclite-interop-py-")
    atexit.register(shutil.rmtree, out, True)
    package_dir = os.path.join(out, "grpc_testing")
    os.mkdir(package_dir)
    for name in PROTO_FILES:
        with open(os.path.join(_proto_root(), name), encoding="utf-8") as source:
            text = source.read()
        text = text.replace('import "grpc/testing/', 'import "grpc_testing/')
        with open(os.path.join(package_dir, name), "w", encoding="utf-8") as copy:
            copy.write(text)
    args = ["grpc_tools.protoc", "-I" + out, "--python_out=" + out, "--grpc_python_out=" + out]
    args += ["grpc_testing/" + name for name in PROTO_FILES]
    if protoc.main(args) != 0:
        raise RuntimeError("grpc_tools.protoc failed on proto/grpc/testing")
    sys.path.insert(0, out)
    return tuple(
        importlib.import_module("grpc_testing." + module)
        for module in ("empty_pb2", "messages_pb2", "test_pb2", "test_pb2_grpc")
    )


def parse_bool(text):
    """Reads a flag value the way the interop flags are written (true/false)."""
    lowered = text.lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise ValueError("not a boolean: %r" % text)


def add_bool_flag(parser, name):
    """Adds a flag accepted as `--name`, `--name=true` or `--name false`."""
    parser.add_argument(name, nargs="?", const=True, default=False, type=parse_bool)
