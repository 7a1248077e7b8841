#!/usr/bin/env bash
# Makes the interop test certificates in OUTDIR with the openssl CLI:
#   ca.pem / ca.key          a self-signed test CA
#   server.pem / server.key  a server certificate for foo.test.google.fr (the
#                            name the standard interop passes as
#                            --server_host_override), *.test.google.fr,
#                            localhost and 127.0.0.1, signed by the CA
#   client.pem / client.key  a client certificate (mutual TLS), signed by the CA
# Keys are P-256 (every peer accepts them and they are quick to make); the
# certificates are valid for 30 days, enough for one test run.
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 OUTDIR" >&2
  exit 2
fi
out=$1
mkdir -p "$out"
cd "$out"

newkey() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

newkey ca.key
openssl req -x509 -new -key ca.key -sha256 -days 30 -subj "/CN=grpclite interop test CA" \
  -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -out ca.pem

# issue NAME CN EXTENSIONS: a key and a CA-signed certificate.
issue() {
  local name=$1 cn=$2 extensions=$3
  newkey "$name.key"
  openssl req -new -key "$name.key" -subj "/CN=$cn" -out "$name.csr"
  printf '%s\n' "$extensions" > "$name.ext"
  openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial \
    -days 30 -sha256 -extfile "$name.ext" -out "$name.pem" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
}

issue server "foo.test.google.fr" "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:foo.test.google.fr,DNS:*.test.google.fr,DNS:localhost,IP:127.0.0.1,IP:::1"

issue client "grpclite interop client" "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"

rm -f ca.srl
