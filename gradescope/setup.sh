#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image
# (Ubuntu 20.04 or newer: Node.js's Linux binaries need glibc 2.28, which 18.04
# lacks). It installs what run_autograder needs to grade:
#   - Python 3 (and Python 2 where the release still packages it) for the
#     submissions, curl, ca-certificates and xz-utils for the download below;
#   - Node.js 24 (a supported line; 20 reached its end of life on 2026-04-30),
#     the official binary tarball from nodejs.org, checked against
#     its SHASUMS256.txt, unpacked under /usr/local/lib/nodejs and linked into
#     /usr/local/bin. The grader (grader.mjs) is one file with every npm
#     dependency inlined, so nothing is installed with npm.
# Set NODE_RELEASE to pin a release, e.g. NODE_RELEASE=v24.11.1 (default: the
# newest 24.x).
set -euo pipefail

NODE_RELEASE="${NODE_RELEASE:-latest-v24.x}"

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends ca-certificates curl xz-utils python3
if apt-cache show python2 >/dev/null 2>&1; then
  apt-get install -y -qq --no-install-recommends python2
else
  echo "setup.sh: this Ubuntu release does not package python2; Python 2 submissions cannot be graded"
fi

case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "setup.sh: no Node.js binary for $(uname -m)" >&2; exit 1 ;;
esac

download="$(mktemp -d)"
trap 'rm -rf "$download"' EXIT
base="https://nodejs.org/dist/$NODE_RELEASE"
curl -fsSL --retry 3 "$base/SHASUMS256.txt" -o "$download/SHASUMS256.txt"
tarball="$(grep -oE "node-v[0-9]+\.[0-9]+\.[0-9]+-linux-$arch\.tar\.xz$" "$download/SHASUMS256.txt" | head -n 1)"
if [ -z "$tarball" ]; then
  echo "setup.sh: $base/SHASUMS256.txt lists no linux-$arch tarball" >&2
  exit 1
fi
curl -fsSL --retry 3 "$base/$tarball" -o "$download/$tarball"
(cd "$download" && grep -E "  $tarball\$" SHASUMS256.txt | sha256sum -c --quiet -)

install_dir=/usr/local/lib/nodejs
mkdir -p "$install_dir"
tar -xJf "$download/$tarball" -C "$install_dir" --no-same-owner
node_home="$install_dir/${tarball%.tar.xz}"
for program in node npm npx; do
  ln -sf "$node_home/bin/$program" "/usr/local/bin/$program"
done

node_major="$(/usr/local/bin/node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 20 ]; then
  echo "setup.sh: installed Node.js $(/usr/local/bin/node --version); the grader needs 20 or newer" >&2
  exit 1
fi
echo "setup.sh: Node.js $(/usr/local/bin/node --version), $(python3 --version 2>&1)$(command -v python2 >/dev/null && echo ", $(python2 --version 2>&1)")"
