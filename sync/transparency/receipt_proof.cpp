#include "receipt_proof.h"

#include <nlohmann/json.hpp>

namespace civic {

using nlohmann::json;

namespace {

// An inclusion path and a checkpoint, as both proof formats write and read them.
json path_json(const std::vector<Hash32>& path) {
  json out = json::array();
  for (const auto& h : path) out.push_back(to_hex(h));
  return out;
}

Status read_path_and_checkpoint(const json& j, std::vector<Hash32>& path, Bytes& checkpoint) {
  for (const auto& h : j.at("path")) {
    CIVIC_ASSIGN(node, fixed_from_hex<kHashSize>(h.get<std::string>()));
    path.push_back(node);
  }
  CIVIC_ASSIGN(bytes, from_hex(j.at("checkpoint").get<std::string>()));
  checkpoint = std::move(bytes);
  return {};
}

}  // namespace

std::string format_receipt_proof(const ReceiptProof& p) {
  json j{{"format", 1},
         {"receipt", format_receipt_code(p.receipt)},
         {"kiosk_id", to_hex(p.kiosk)},
         {"record_hash", to_hex(p.record_hash)},
         {"leaf_index", p.leaf_index},
         {"path", path_json(p.path)},
         {"checkpoint", to_hex(p.checkpoint)}};
  if (p.matches > 1) {
    j["matches"] = p.matches;
    j["match"] = p.match;
  }
  return j.dump(2) + "\n";
}

Result<ReceiptProof> parse_receipt_proof(const std::string& text) {
  try {
    const json j = json::parse(text);
    if (j.value("format", 0) != 1) {
      return make_error(ErrorCode::kUnknownVersion,
                        "this receipt proof is not format 1; update the verifier");
    }
    ReceiptProof p;
    CIVIC_ASSIGN(code, parse_receipt_code(j.at("receipt").get<std::string>()));
    p.receipt = code;
    CIVIC_ASSIGN(kiosk, fixed_from_hex<kKioskIdSize>(j.at("kiosk_id").get<std::string>()));
    p.kiosk = kiosk;
    CIVIC_ASSIGN(hash, fixed_from_hex<kHashSize>(j.at("record_hash").get<std::string>()));
    p.record_hash = hash;
    p.leaf_index = j.at("leaf_index").get<std::uint64_t>();
    p.matches = j.value("matches", std::uint64_t{1});
    p.match = j.value("match", std::uint64_t{1});
    CIVIC_TRY(read_path_and_checkpoint(j, p.path, p.checkpoint));
    return p;
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kMalformed,
                      std::string("this is not a readable receipt proof: ") + e.what());
  }
}

Result<VerifiedReceipt> verify_receipt_proof(const ReceiptProof& p, const SigningPublicKey& hub_key) {
  CIVIC_ASSIGN(checkpoint, verify_checkpoint(p.checkpoint, hub_key));
  if (make_receipt_code(p.kiosk, p.record_hash) != p.receipt) {
    return make_error(ErrorCode::kMalformed, "the receipt code " + format_receipt_code(p.receipt) +
                                                 " does not belong to the record in this proof");
  }
  if (!verify_merkle_inclusion(merkle_leaf_hash(p.record_hash), p.leaf_index, checkpoint.size, p.path,
                               checkpoint.root)) {
    return make_error(ErrorCode::kBadSignature,
                      "the inclusion proof does not lead to the checkpoint's root: the "
                      "record is not shown to be in the hub's log");
  }
  return VerifiedReceipt{format_receipt_code(p.receipt), p.leaf_index, checkpoint};
}

namespace {
json online_import_proof_json(const OnlineImportProof& p) {
  return json{{"format", 1},
              {"kind", "online-import"},
              {"statement", to_hex(p.statement)},
              {"current", p.current},
              {"leaf_index", p.leaf_index},
              {"path", path_json(p.path)},
              {"checkpoint", to_hex(p.checkpoint)}};
}
}  // namespace

std::string format_online_import_proof(const OnlineImportProof& p) { return online_import_proof_json(p).dump(2) + "\n"; }

std::string format_online_import_proofs(const std::vector<OnlineImportProof>& proofs) {
  json all = json::array();
  for (const auto& p : proofs) all.push_back(online_import_proof_json(p));
  return all.dump(2) + "\n";
}

bool is_online_import_proof(const std::string& text) {
  const json j = json::parse(text, nullptr, false);
  return j.is_object() && j.contains("kind") && j["kind"] == "online-import";
}

Result<OnlineImportProof> parse_online_import_proof(const std::string& text) {
  try {
    const json j = json::parse(text);
    if (j.value("format", 0) != 1 || j.value("kind", "") != "online-import") {
      return make_error(ErrorCode::kUnknownVersion, "this is not an online import proof of format 1");
    }
    OnlineImportProof p;
    CIVIC_ASSIGN(statement, from_hex(j.at("statement").get<std::string>()));
    p.statement = statement;
    p.current = j.value("current", true);
    p.leaf_index = j.at("leaf_index").get<std::uint64_t>();
    CIVIC_TRY(read_path_and_checkpoint(j, p.path, p.checkpoint));
    return p;
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kMalformed, std::string("this is not a readable online import proof: ") + e.what());
  }
}

Result<VerifiedOnlineImport> verify_online_import_proof(const OnlineImportProof& p, const SigningPublicKey& hub_key) {
  CIVIC_ASSIGN(checkpoint, verify_checkpoint(p.checkpoint, hub_key));
  CIVIC_ASSIGN(statement, verify_online_import(p.statement, hub_key));
  if (!verify_merkle_inclusion(merkle_leaf_hash(online_import_leaf_data(p.statement)), p.leaf_index, checkpoint.size,
                               p.path, checkpoint.root)) {
    return make_error(ErrorCode::kBadSignature,
                      "the inclusion proof does not lead to the checkpoint's root: the online import is not shown "
                      "to be in the hub's log");
  }
  return VerifiedOnlineImport{statement, p.leaf_index, checkpoint};
}

}  // namespace civic
