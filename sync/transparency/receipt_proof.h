// A receipt's inclusion proof, as a file a resident (or an auditor) can take away and check
// offline: the record hash behind the receipt code, its place in the hub's transparency log, the
// RFC 9162 audit path and the hub's signed checkpoint. It holds no content: it proves that the
// record was accepted, never what it said. Format: PROTOCOL.md "Receipt proof".
#pragma once

#include <string>
#include <vector>

#include "sync/protocol/protocol.h"

namespace civic {

struct ReceiptProof {
  std::string receipt;  // canonical code (ten symbols)
  KioskId kiosk{};
  Hash32 record_hash{};
  std::uint64_t leaf_index = 0;
  std::vector<Hash32> path;
  Bytes checkpoint;  // CKCP, signed by the hub
  // Records sharing this receipt code, and which of them this proof is for (1-based); written
  // only when there are several.
  std::uint64_t matches = 1;
  std::uint64_t match = 1;
};

std::string format_receipt_proof(const ReceiptProof& proof);
[[nodiscard]] Result<ReceiptProof> parse_receipt_proof(const std::string& json);

struct VerifiedReceipt {
  std::string receipt;  // as printed for people
  std::uint64_t leaf_index = 0;
  Checkpoint checkpoint;
};
// Checks the checkpoint's signature against the hub key the verifier trusts, that the receipt code
// belongs to this kiosk and record hash, and the inclusion proof against the checkpoint's root.
[[nodiscard]] Result<VerifiedReceipt> verify_receipt_proof(const ReceiptProof& proof,
                                                           const SigningPublicKey& hub_key);

// An online import's inclusion proof (PROTOCOL.md "Online import proof"): the hub's signed
// statement naming the imported file, its place in the log, the audit path and a checkpoint.
struct OnlineImportProof {
  Bytes statement;  // CKOI
  std::uint64_t leaf_index = 0;
  std::vector<Hash32> path;
  Bytes checkpoint;
  bool current = true;  // whether results use it now (false: a newer export replaced it)
};
std::string format_online_import_proof(const OnlineImportProof& proof);
// Every import's proof as one JSON array, as `civic-hub log imports` and GET /v1/log/imports give it.
std::string format_online_import_proofs(const std::vector<OnlineImportProof>& proofs);
[[nodiscard]] Result<OnlineImportProof> parse_online_import_proof(const std::string& json);
// Whether a proof file is an online import's ("kind": "online-import") rather than a receipt's.
bool is_online_import_proof(const std::string& json);

struct VerifiedOnlineImport {
  OnlineImportStatement statement;
  std::uint64_t leaf_index = 0;
  Checkpoint checkpoint;
};
// Checks the statement's and the checkpoint's signatures against the hub key and the inclusion
// proof of the statement's leaf against the checkpoint's root.
[[nodiscard]] Result<VerifiedOnlineImport> verify_online_import_proof(const OnlineImportProof& proof,
                                                                      const SigningPublicKey& hub_key);

}  // namespace civic
