"""Submissions (sync/PROTOCOL.md "Submission", versions 1 and 2), written from the specification
alone: the second implementation the tests check the C++ code against. Encodes a submission's
fields to its plaintext, decodes a plaintext, and opens a sealed record with the hub's submission
secret key file (PyNaCl).
"""
import struct

CHANNELS = {"kiosk": 1, "town-hall": 2, "paper": 3}
CHOICES = {"support": 1, "agree": 2, "disagree": 3, "pass": 4, "select": 5}
OUTCOMES = {"left": 1, "right": 2, "cannot-decide": 3}


def sb(b):
    """u16-length-prefixed bytes."""
    return struct.pack(">H", len(b)) + b


def version_of(f):
    """2 when the submission holds budget selections or comparisons, 1 otherwise."""
    selects = any(v["choice"] == "select" for v in f["votes"])
    return 2 if selects or f.get("comparisons") else 1


def encode_submission(f):
    version = version_of(f)
    out = struct.pack(">BBQ", version, CHANNELS[f["channel"]], f["coarse_time"])
    out += bytes.fromhex(f["session_id"])
    for key in ("consultation_id", "language", "event_id", "card_number", "idea"):
        out += sb(f[key].encode())
    out += struct.pack(">H", len(f["votes"]))
    for v in f["votes"]:
        out += sb(v["idea_id"].encode()) + bytes([CHOICES[v["choice"]]])
    out += bytes([len(f["answers"])])
    for a in f["answers"]:
        out += sb(a["question_id"].encode()) + sb(a["answer_id"].encode())
    if version == 2:
        out += bytes([len(f["comparisons"])])
        for c in f["comparisons"]:
            out += sb(c["left"].encode()) + sb(c["right"].encode()) + bytes([OUTCOMES[c["outcome"]]])
    return out


def decode_submission(p):
    off = 0

    def take(n):
        nonlocal off
        if off + n > len(p):
            raise ValueError("truncated submission")
        off += n
        return p[off - n:off]

    def sbytes():
        (n,) = struct.unpack(">H", take(2))
        return take(n).decode("utf-8")

    names = {v: k for k, v in CHANNELS.items()}
    choices = {v: k for k, v in CHOICES.items()}
    outcomes = {v: k for k, v in OUTCOMES.items()}
    version = take(1)[0]
    if version not in (1, 2):
        raise ValueError(f"unknown submission version {version}")
    f = {"channel": names[take(1)[0]]}
    (f["coarse_time"],) = struct.unpack(">Q", take(8))
    f["session_id"] = take(16).hex()
    for key in ("consultation_id", "language", "event_id", "card_number", "idea"):
        f[key] = sbytes()
    (n,) = struct.unpack(">H", take(2))
    f["votes"] = [{"idea_id": sbytes(), "choice": choices[take(1)[0]]} for _ in range(n)]
    f["answers"] = [{"question_id": sbytes(), "answer_id": sbytes()} for _ in range(take(1)[0])]
    f["comparisons"] = []
    if version == 2:
        for _ in range(take(1)[0]):
            left, right = sbytes(), sbytes()
            f["comparisons"].append({"left": left, "right": right, "outcome": outcomes[take(1)[0]]})
    if off != len(p):
        raise ValueError("bytes after the submission")
    if version_of(f) != version:
        raise ValueError("the version is not the lowest that holds the submission")
    return f


def open_sealed(key_file, sealed):
    """Opens a sealed record (crypto_box_seal, ISO/IEC 7816-4 padding) and decodes it."""
    from nacl.public import PrivateKey, SealedBox
    raw = open(key_file, "rb").read()
    assert raw[:4] == b"CKKY" and raw[5] == 3, "a hub submission secret key file"
    padded = SealedBox(PrivateKey(raw[6:38])).decrypt(bytes(sealed))
    return decode_submission(padded[:padded.rstrip(b"\0").rfind(b"\x80")])
