#!/usr/bin/env python3
"""Checks tests/data/protocol-vectors.json against a second implementation of sync/PROTOCOL.md.

Written from the specification alone with Python's hashlib and PyNaCl (Debian: python3-nacl);
it shares no code with the C++ implementation. Exits non-zero on the first mismatch.
Usage: check_vectors.py protocol-vectors.json
"""
import hashlib
import json
import struct
import sys

from nacl.public import PrivateKey, SealedBox
from nacl.signing import SigningKey, VerifyKey

from submission_codec import decode_submission, encode_submission

ALPHABET = "23456789ACDEFGHJKMNPQRTUVWXYZ"
BUCKETS = [512, 1024, 2048, 4096, 8192, 16384, 32768]
checks = 0


def check(cond, what):
    global checks
    if not cond:
        sys.exit(f"MISMATCH: {what}")
    checks += 1


def h256(tag, *parts):
    h = hashlib.blake2b(digest_size=32)
    h.update(tag.encode() + b"\0")
    for p in parts:
        h.update(p)
    return h.digest()


def h512(tag, data):
    return hashlib.blake2b(tag.encode() + b"\0" + data, digest_size=64).digest()


def sb(b):  # u16-length-prefixed bytes
    return struct.pack(">H", len(b)) + b


def receipt(kiosk_id, record_hash):
    v = int.from_bytes(h256("civic-kiosk/receipt/v1", kiosk_id, record_hash)[:8], "big") % 29**9
    digits = []
    for _ in range(9):
        digits.append(v % 29)
        v //= 29
    digits.reverse()
    partial = sum((i + 1) * d for i, d in enumerate(digits))
    check_digit = next(c for c in range(29) if (partial + 10 * c) % 29 == 0)
    return "".join(ALPHABET[d] for d in digits + [check_digit])


def main(path):
    vec = json.load(open(path, encoding="utf-8"))
    keys = vec["keys"]

    kiosk_sk = SigningKey(bytes.fromhex(keys["kiosk_signing_seed"]))
    kiosk_pk = bytes(kiosk_sk.verify_key)
    check(kiosk_pk.hex() == keys["kiosk_signing_public"], "kiosk public key from seed")
    kiosk_id = h256("civic-kiosk/kiosk-id/v1", kiosk_pk)[:16]
    check(kiosk_id.hex() == keys["kiosk_id"], "kiosk id")
    fp = h256("civic-kiosk/fingerprint/v1", kiosk_pk)[:8].hex()
    check(" ".join(fp[i:i + 4] for i in range(0, 16, 4)) == keys["kiosk_fingerprint"], "fingerprint")
    hub_sign_pk = bytes(SigningKey(bytes.fromhex(keys["hub_signing_seed"])).verify_key)
    check(hub_sign_pk.hex() == keys["hub_signing_public"], "hub signing public key")
    hub_sub = PrivateKey(bytes.fromhex(keys["hub_submission_secret"]))
    check(bytes(hub_sub.public_key).hex() == keys["hub_submission_public"], "hub submission public key")
    hub_content_pk = bytes(SigningKey(bytes.fromhex(keys["hub_content_seed"])).verify_key)
    check(hub_content_pk.hex() == keys["hub_content_public"], "hub content public key")

    for t in vec["tagged_hashes"]:
        data = bytes.fromhex(t["data_hex"])
        check(h256(t["tag"], data).hex() == t["blake2b_256"], "tagged BLAKE2b-256")
        check(h512(t["tag"], data).hex() == t["blake2b_512"], "tagged BLAKE2b-512")

    for k in vec["key_files"]:
        body = b"CKKY" + bytes([1, k["type"]]) + bytes.fromhex(k["material"])
        check((body + h256("civic-kiosk/keyfile/v1", body)[:16]).hex() == k["file"], "key file")

    sealed_records = []
    for s in vec["submissions"] + vec["submissions_v2"]:
        plain = encode_submission(s["fields"])
        check(plain.hex() == s["plaintext"], "submission plaintext encoding")
        check(decode_submission(plain) == dict(s["fields"], comparisons=s["fields"].get("comparisons", [])),
              "submission plaintext decoding")
        bucket = next(b for b in BUCKETS if len(plain) < b)
        check(bucket == s["padded_size"], "padding bucket")
        sealed = bytes.fromhex(s["sealed"])
        check(len(sealed) == bucket + 48, "sealed size")
        padded = SealedBox(hub_sub).decrypt(sealed)
        check(padded == plain + b"\x80" + b"\0" * (bucket - len(plain) - 1), "ISO/IEC 7816-4 padding")
        rh = h256("civic-kiosk/record/v1", sealed)
        check(rh.hex() == s["record_hash"], "record hash")
        code = receipt(kiosk_id, rh)
        check(code == s["receipt_code"], "receipt code")
        check(code[:5] + "-" + code[5:] == s["receipt_printed"], "printed receipt code")
        if s in vec["submissions"]:  # the chain and batch hold the version 1 records
            sealed_records.append(sealed)

    head = bytes(32)
    for c in vec["chain"]:
        check(bytes.fromhex(c["previous_head"]) == head, "chain previous head")
        head = h256("civic-kiosk/chain/v1", struct.pack(">Q", c["position"]), head, bytes.fromhex(c["record_hash"]))
        check(head.hex() == c["head"], "chain head")

    b = vec["batch"]
    raw = bytes.fromhex(b["bytes"])
    magic, version, kid, seq, first, count, created, prev, new = struct.unpack(">4sB16sQQIQ32s32s", raw[:113])
    check((magic, version) == (b"CKBT", 1), "batch magic and version")
    check((kid.hex(), seq, first, count, created) ==
          (b["kiosk_id"], b["sequence"], b["first_position"], b["record_count"], b["created_at"]), "batch header")
    off, records = 113, []
    for _ in range(count):
        (n,) = struct.unpack(">I", raw[off:off + 4])
        records.append(raw[off + 4:off + 4 + n])
        off += 4 + n
    check(records == sealed_records, "batch records")
    check(len(raw) == off + 64, "batch length")
    head = prev
    for i, r in enumerate(records):
        head = h256("civic-kiosk/chain/v1", struct.pack(">Q", first + i), head, h256("civic-kiosk/record/v1", r))
    check(head == new and new.hex() == b["new_head"], "batch new head")
    digest = h512("civic-kiosk/batch/v1", raw[:off])
    check(digest.hex() == b["signed_digest"], "batch signed digest")
    VerifyKey(kiosk_pk).verify(digest, raw[off:])
    check(h256("civic-kiosk/batch-id/v1", digest, raw[off:]).hex() == b["batch_id"], "batch id")

    a = vec["ack"]
    raw = bytes.fromhex(a["bytes"])
    check(len(raw) == 177, "ack length")
    fields = struct.unpack(">4sB16sQQI32s32sQ", raw[:113])
    check(fields == (b"CKAK", 1, bytes.fromhex(a["kiosk_id"]), a["batch_sequence"], a["first_position"],
                     a["record_count"], bytes.fromhex(a["new_head"]), bytes.fromhex(a["batch_id"]),
                     a["accepted_at"]), "ack fields")
    VerifyKey(hub_sign_pk).verify(h512("civic-kiosk/ack/v1", raw[:113]), raw[113:])

    c = vec["content"]
    raw = bytes.fromhex(c["bytes"])
    magic, version, bversion, issued, expires, plen = struct.unpack(">4sBQQQI", raw[:33])
    check((magic, version, bversion, issued, expires) == (b"CKCB", 1, c["version"], c["issued_at"], c["expires_at"]),
          "content header")
    check(raw[33:33 + plen].decode("utf-8") == c["payload"] and len(raw) == 33 + plen + 64, "content payload")
    # Content is signed by the hub's offline content key, not its online signing key.
    VerifyKey(hub_content_pk).verify(h512("civic-kiosk/content/v1", raw[:33 + plen]), raw[33 + plen:])
    check(h256("civic-kiosk/content-id/v1", raw).hex() == c["content_hash"], "content hash")

    # Transparency log, RFC 9162 section 2.1 with SHA-256.
    m = vec["merkle"]
    sha = lambda *parts: hashlib.sha256(b"".join(parts)).digest()
    leaves = [sha(b"\0", bytes.fromhex(h)) for h in m["record_hashes"]]

    def mth(d):
        if len(d) == 0:
            return sha()
        if len(d) == 1:
            return d[0]
        k = 1
        while k * 2 < len(d):
            k *= 2
        return sha(b"\1", mth(d[:k]), mth(d[k:]))

    def path(i, d):
        if len(d) <= 1:
            return []
        k = 1
        while k * 2 < len(d):
            k *= 2
        return path(i, d[:k]) + [mth(d[k:])] if i < k else path(i - k, d[k:]) + [mth(d[:k])]

    check(mth([]).hex() == m["empty_root"], "the empty tree's root")
    check(mth(leaves).hex() == m["root"], "the Merkle root")
    for p in m["proofs"]:
        check([x.hex() for x in path(p["index"], leaves)] == p["proof"], f"inclusion proof for leaf {p['index']}")
    # Consistency proofs (RFC 9162 2.1.4): generated by SUBPROOF and checked by the verification
    # algorithm of 2.1.4.2, both written here from the RFC's text.
    def subproof(mm, d, whole):
        if mm == len(d):
            return [] if whole else [mth(d)]
        k = 1
        while k * 2 < len(d):
            k *= 2
        if mm <= k:
            return subproof(mm, d[:k], whole) + [mth(d[k:])]
        return subproof(mm - k, d[k:], False) + [mth(d[:k])]

    def verify_consistency(first, second, first_root, second_root, proof):
        if first == 0:
            return proof == []
        if first == second:
            return proof == [] and first_root == second_root
        if not proof:
            return False
        c = ([first_root] if first & (first - 1) == 0 else []) + proof
        fn, sn = first - 1, second - 1
        while fn & 1:
            fn, sn = fn >> 1, sn >> 1
        fr = sr = c[0]
        for x in c[1:]:
            if sn == 0:
                return False
            if fn & 1 or fn == sn:
                fr, sr = sha(b"\1", x, fr), sha(b"\1", x, sr)
                while not fn & 1 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
            else:
                sr = sha(b"\1", sr, x)
            fn, sn = fn >> 1, sn >> 1
        return sn == 0 and fr == first_root and sr == second_root

    cv = m["consistency"]
    ct = [sha(b"\0", bytes.fromhex(x)) for x in cv["leaf_inputs"]]
    check(len(cv["pairs"]) == 44, "a consistency proof for every two prefixes of 8 leaves")
    for p in cv["pairs"]:
        first, second = p["first"], p["second"]
        proof = [bytes.fromhex(x) for x in p["proof"]]
        fr, sr = mth(ct[:first]), mth(ct[:second])
        check((fr.hex(), sr.hex()) == (p["first_root"], p["second_root"]), f"roots of {first} and {second} leaves")
        want = subproof(first, ct[:second], True) if 0 < first < second else []
        check(proof == want, f"consistency proof from {first} to {second} leaves")
        check(verify_consistency(first, second, fr, sr, proof), f"consistency from {first} to {second} verifies")
        if proof:
            bad = list(proof)
            bad[-1] = bytes([bad[-1][0] ^ 1]) + bad[-1][1:]
            check(not verify_consistency(first, second, fr, sr, bad), f"altered proof {first}->{second} refused")
    # Certificate Transparency's published root of the eight reference leaves, and its path 6 -> 8.
    check(mth(ct).hex() == "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328", "RFC 6962 reference root")
    check([x.hex() for x in subproof(6, ct, True)][0].startswith("0ebc5d3437fbe2db"), "RFC 6962 reference path 6 -> 8")

    raw = bytes.fromhex(m["checkpoint"])
    check(len(raw) == 117, "checkpoint length")
    check(struct.unpack(">4sBQ32sQ", raw[:53]) == (b"CKCP", 1, len(leaves), bytes.fromhex(m["root"]),
                                                     m["checkpoint_signed_at"]), "checkpoint fields")
    VerifyKey(hub_sign_pk).verify(h512("civic-kiosk/checkpoint/v1", raw[:53]), raw[53:])

    # Event report: counts and texts, signed by the kiosk.
    e = vec["event_report"]
    raw = bytes.fromhex(e["bytes"])
    magic, version, kid, started, closed, headcount, town, paper = struct.unpack(">4sB16sQQQQQ", raw[:61])
    check((magic, version, started, closed, headcount, town, paper) ==
          (b"CKEV", 1, e["started_at"], e["closed_at"], e["headcount"], e["town_hall_records"], e["paper_records"]),
          "event report header")
    off = 61
    for field in ("event_id", "name", "place", "date"):
        (n,) = struct.unpack(">H", raw[off:off + 2])
        check(raw[off + 2:off + 2 + n].decode("utf-8") == e[field], f"event report {field}")
        off += 2 + n
    check(len(raw) == off + 64, "event report length")
    VerifyKey(kiosk_pk).verify(h512("civic-kiosk/event-report/v1", raw[:off]), raw[off:])

    # Health report: counts and states, signed by the kiosk (PROTOCOL.md "Health report").
    hr = vec["health_report"]
    raw = bytes.fromhex(hr["bytes"])
    fields = struct.unpack(">4sB16s13QHHB", raw[:130])
    check(fields[:2] == (b"CKHR", 1) and fields[2] == kiosk_id, "health report header")
    names = ("sequence", "created_at", "uptime_seconds", "boots", "crashes", "backlog_records", "oldest_pending_at",
             "free_disk_bytes", "disk_bytes", "content_version", "staff_lockouts", "last_sync_at",
             "last_sync_success_at", "display_width", "display_height", "speech")
    check(dict(zip(names, fields[3:])) == {n: hr[n] for n in names}, "health report numbers")
    off = 130
    for field in ("software_version", "last_sync_error"):
        (n,) = struct.unpack(">H", raw[off:off + 2])
        check(raw[off + 2:off + 2 + n].decode("utf-8") == hr[field], f"health report {field}")
        off += 2 + n
    check(len(raw) == off + 64, "health report length")
    VerifyKey(kiosk_pk).verify(h512("civic-kiosk/health-report/v1", raw[:off]), raw[off:])

    # Key statement: the hub signing key vouches for the submission and content keys.
    k = vec["key_statement"]
    raw = bytes.fromhex(k["bytes"])
    check(len(raw) == 173, "key statement length")
    check(struct.unpack(">4sB32s32s32sQ", raw[:109]) ==
          (b"CKKS", 2, hub_sign_pk, bytes(hub_sub.public_key), hub_content_pk, k["issued_at"]),
          "key statement fields")
    VerifyKey(hub_sign_pk).verify(h512("civic-kiosk/key-statement/v2", raw[:109]), raw[109:])

    # Online import statement: the hub's signed word for which export file it imported, a leaf of
    # the log after two records, with its inclusion proof.
    o = vec["online_import"]
    raw = bytes.fromhex(o["bytes"])
    check(hashlib.sha256(o["file"].encode("utf-8")).hexdigest() == o["file_sha256"], "import: the file's SHA-256")
    magic, version, at, rows, file_hash = struct.unpack(">4sBQQ32s", raw[:53])
    check((magic, version, at, rows, file_hash.hex()) == (b"CKOI", 1, o["imported_at"], o["rows"], o["file_sha256"]),
          "import statement header")
    off = 53
    for field in ("format", "source", "consultation"):
        (n,) = struct.unpack(">H", raw[off:off + 2])
        check(raw[off + 2:off + 2 + n].decode("utf-8") == o[field], f"import statement {field}")
        off += 2 + n
    check(len(raw) == off + 64, "import statement length")
    VerifyKey(hub_sign_pk).verify(h512("civic-kiosk/online-import/v1", raw[:off]), raw[off:])
    leaf_data = h256("civic-kiosk/online-import-leaf/v1", raw)
    check(leaf_data.hex() == o["leaf_data"], "import leaf data")
    import_log = [sha(b"\0", bytes.fromhex(m["record_hashes"][0])), sha(b"\0", bytes.fromhex(m["record_hashes"][1])),
                  sha(b"\0", leaf_data)]
    check(mth(import_log).hex() == o["log_root"], "log root with the import")
    check([x.hex() for x in path(o["leaf_index"], import_log)] == o["proof"], "import inclusion proof")

    print(f"{checks} passed, 0 failed")


if __name__ == "__main__":
    main(sys.argv[1])
