#!/usr/bin/env python3
"""Obtains real credentials from a running xuncha server for the Schemathesis run, the way a
client does: an office session token by signing in (`POST /api/v1/session`), and a device token
by enrolling a new device (`POST /api/v1/enrol/challenge`, then `POST /api/v1/enrol` with the
challenge signed by the device's fresh Ed25519 key over `enrol_proof_message`).

Usage: schemathesis-credentials.py BASE_URL PREFIX OFFICE_LOGIN OFFICE_PASSWORD DEVICE_LOGIN DEVICE_PASSWORD
Prints `PREFIX_SESSION_TOKEN=…` and `PREFIX_DEVICE_TOKEN=…`, one a line, for the caller to read.
Needs `cryptography` (installed with Schemathesis by scripts/setup.sh).
"""

import json
import sys
import urllib.request
import uuid

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def post(base: str, path: str, body: object | None) -> dict:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(
        base + path,
        data=data if data is not None else b"",
        method="POST",
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.load(resp)


def session_token(base: str, login: str, password: str) -> str:
    return post(base, "/api/v1/session", {"login": login, "password": password})["token"]


def device_token(base: str, login: str, password: str) -> str:
    key = Ed25519PrivateKey.generate()
    public_key = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
    device = str(uuid.uuid4())
    nonce = post(base, "/api/v1/enrol/challenge", None)["nonce"]
    # Must match xuncha_domain::wire::enrol_proof_message byte for byte.
    message = (
        f"xuncha-enrol-proof-v1\nnonce={nonce}\ndevice={device}\npublic_key={public_key}\nlogin={login}"
    ).encode()
    answer = post(
        base,
        "/api/v1/enrol",
        {
            "device": device,
            "login": login,
            "password": password,
            "public_key": public_key,
            "device_name": "schemathesis",
            "challenge": nonce,
            "signature": key.sign(message).hex(),
        },
    )
    return answer["token"]


def main() -> int:
    if len(sys.argv) != 7:
        print(__doc__, file=sys.stderr)
        return 2
    base, prefix, office_login, office_password, device_login, device_password = sys.argv[1:]
    print(f"{prefix}_SESSION_TOKEN={session_token(base, office_login, office_password)}")
    print(f"{prefix}_DEVICE_TOKEN={device_token(base, device_login, device_password)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
