"""Checks a Sala certificate with openbadgeslib, an independent Open Badges 3.0 verifier
(from PyPI): the VC-JWT signature, resolved through the issuer's did:web document; the
OB 3.0 structure and registered claims; the revocation bit in the signed Bitstring Status
List; and the co-signer's endorsement.

Usage: ob3_verify.py TOKEN_FILE genuine|revoked
Prints one line and exits 0 when the verifier's verdict is the expected one.
"""

import sys
import urllib.request

from openbadgeslib.ob3.verifier import (
    OB3VerificationError,
    OB3Verifier,
    verify_endorsement_jwt,
)


def download(url: str) -> bytes:
    # The tests serve Sala over plain HTTP on loopback; did:web resolves to https://.
    url = url.replace("https://", "http://", 1)
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


def main() -> int:
    token = open(sys.argv[1], encoding="utf-8").read().strip()
    expected = sys.argv[2]
    issuer = OB3Verifier._decode_unverified(token)["iss"]
    verifier = OB3Verifier.for_issuer_did(issuer, download=download)
    # Signature and structure alone first: these hold for a revoked credential too.
    credential = verifier.verify(token)
    payload = OB3Verifier._decode_unverified(token)
    for endorsement in payload.get("endorsementJwt", []):
        endorsed = verify_endorsement_jwt(endorsement, download=download)
        if endorsed["endorses"] != payload["id"]:
            print("endorsement endorses something else:", endorsed)
            return 1
    try:
        verifier.verify(token, check_status=True, verify_status_list=True, download=download)
        verdict = "genuine"
    except OB3VerificationError as error:
        if "revocation" not in str(error).lower():
            raise
        verdict = "revoked"
    print(verdict, credential.issuer.id)
    return 0 if verdict == expected else 1


if __name__ == "__main__":
    sys.exit(main())
