// civic-verify-receipt: checks a receipt proof offline against the hub's public signing key, or the
// online import proofs of 'civic-hub log imports' (and, given the export, that the hub's log names
// that very file), or that a consistency proof shows the log extends an older checkpoint. Exit
// codes (README.md): 0 verified; 1 not shown to be; 2 usage; 65 the proof file is not a proof; 78
// the key file is not the hub's public signing key.
#include <cctype>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "log_witness.h"
#include "receipt_proof.h"
#include "sync/cli/cli.h"
#include "sync/common/human.h"
#include "sync/files/files.h"
#include "sync/keystore/keystore.h"

using namespace civic;

namespace {

// Every online import proof in `proofs`; with `export_file`, one of them must name its SHA-256.
int verify_imports(const nlohmann::json& proofs, const SigningPublicKey& key, const char* export_file) {
  std::optional<Hash32> wanted;
  if (export_file) {
    auto bytes = files::read_named_file(export_file, 64 * 1024 * 1024);
    if (!bytes.ok()) return report_failure("civic-verify-receipt", bytes.error());
    wanted = file_sha256(as_bytes(*bytes));
  }
  bool found = false;
  for (const auto& item : proofs) {
    auto proof = parse_online_import_proof(item.dump());
    if (!proof.ok()) return report_failure("civic-verify-receipt", proof.error());
    auto verified = verify_online_import_proof(*proof, key);
    if (!verified.ok()) {
      std::fprintf(stderr, "civic-verify-receipt: NOT VERIFIED: %s\n", verified.message().c_str());
      return kExitFailure;
    }
    const auto& s = verified->statement;
    found = found || (wanted && s.file_sha256 == *wanted);
    std::printf("verified: online import of %s (source '%s', consultation '%s', %llu rows, SHA-256 %s) is entry "
                "%llu of %llu in the hub's log (checkpoint signed %s)%s\n",
                format_utc(s.imported_at).c_str(), s.source.c_str(), s.consultation.c_str(),
                static_cast<unsigned long long>(s.rows), to_hex(s.file_sha256).c_str(),
                static_cast<unsigned long long>(verified->leaf_index) + 1,
                static_cast<unsigned long long>(verified->checkpoint.size),
                format_utc(verified->checkpoint.signed_at).c_str(),
                proof->current ? "" : "; replaced since by a newer export");
  }
  if (wanted && !found) {
    std::fprintf(stderr, "civic-verify-receipt: NOT VERIFIED: no import in these proofs names %s (SHA-256 %s)\n",
                 export_file, to_hex(*wanted).c_str());
    return kExitFailure;
  }
  if (wanted) std::printf("verified: %s is the file the hub imported\n", export_file);
  return kExitOk;
}

// A consistency proof against the older checkpoint: its 117 bytes, or their hex (as printed).
int verify_consistency(const std::string& text, const SigningPublicKey& key, const char* old_checkpoint_file) {
  auto proof = parse_consistency_proof(text);
  if (!proof.ok()) return report_failure("civic-verify-receipt", proof.error());
  auto old_bytes = files::read_named_file(old_checkpoint_file, 1024);
  if (!old_bytes.ok()) return report_failure("civic-verify-receipt", old_bytes.error());
  Bytes old(old_bytes->begin(), old_bytes->end());
  if (old.size() != kCheckpointSize) {
    std::string hex = *old_bytes;
    while (!hex.empty() && std::isspace(static_cast<unsigned char>(hex.back()))) hex.pop_back();
    auto decoded = from_hex(hex);
    if (decoded.ok()) old = std::move(*decoded);
  }
  auto verified = verify_consistency_proof(*proof, old, key);
  if (!verified.ok()) {
    std::fprintf(stderr, "civic-verify-receipt: NOT VERIFIED: %s\n", verified.message().c_str());
    return kExitFailure;
  }
  std::printf("verified: the hub's log of %llu entries (checkpoint signed %s, root %s) extends its log of %llu "
              "entries: nothing in it was changed or removed\n",
              static_cast<unsigned long long>(verified->size), format_utc(verified->signed_at).c_str(),
              to_hex(verified->root).c_str(), static_cast<unsigned long long>(proof->first_size));
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) try {
  const bool asked = argc == 2 && (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h");
  if (argc == 2 && std::string(argv[1]) == "--version") {
    std::printf("civic-verify-receipt %s\n", civic_version());
    return kExitOk;
  }
  if (argc != 3 && argc != 4) {
    // On stdout with exit 0 when asked for (--help); on stderr with exit 2 for a wrong command line.
    std::fprintf(
        asked ? stdout : stderr,
        "usage: civic-verify-receipt PROOF.json HUB-SIGNING.pub [EXPORT-FILE | OLD-CHECKPOINT]\n"
        "  PROOF.json: from 'civic-hub receipt CODE', or the online import proofs from\n"
        "  'civic-hub log imports --out FILE'; HUB-SIGNING.pub: the hub's public signing key,\n"
        "  obtained from the city, not from the proof's sender; EXPORT-FILE: an online export whose\n"
        "  SHA-256 must be named by a verified import; OLD-CHECKPOINT: with a consistency proof from\n"
        "  'civic-hub log consistency', the older checkpoint ('civic-hub log checkpoint --out') that\n"
        "  the log must extend\n");
    return asked ? kExitOk : kExitUsage;
  }
  if (auto s = crypto_init(); !s.ok()) return report_failure("civic-verify-receipt", s.error());
  // A proof is a few kilobytes (a path of hashes); anything much larger is not one.
  auto text = files::read_named_file(argv[1], 1024 * 1024);
  if (!text.ok()) return report_failure("civic-verify-receipt", text.error());
  auto key = load_signing_public_key(argv[2], KeyType::kHubSigningPublic);
  if (!key.ok()) return report_failure("civic-verify-receipt", key.error());
  if (const auto imports = nlohmann::json::parse(*text, nullptr, false);
      imports.is_array() || is_online_import_proof(*text)) {
    return verify_imports(imports.is_array() ? imports : nlohmann::json::array({imports}), *key,
                          argc == 4 ? argv[3] : nullptr);
  }
  if (is_consistency_proof(*text)) {
    if (argc != 4) {
      std::fprintf(stderr, "civic-verify-receipt: a consistency proof is checked against the older checkpoint: give "
                           "its file (from 'civic-hub log checkpoint --out') after the key\n");
      return kExitUsage;
    }
    return verify_consistency(*text, *key, argv[3]);
  }
  if (argc == 4) {
    std::fprintf(stderr, "civic-verify-receipt: an EXPORT-FILE goes with online import proofs, not a receipt's\n");
    return kExitUsage;
  }
  auto proof = parse_receipt_proof(*text);
  if (!proof.ok()) return report_failure("civic-verify-receipt", proof.error());
  auto verified = verify_receipt_proof(*proof, *key);
  if (!verified.ok()) {
    std::fprintf(stderr, "civic-verify-receipt: NOT VERIFIED: %s\n", verified.message().c_str());
    return kExitFailure;
  }
  std::printf("verified: receipt %s is entry %llu of %llu in the hub's log (checkpoint signed %s, root %s)\n",
              verified->receipt.c_str(), static_cast<unsigned long long>(verified->leaf_index) + 1,
              static_cast<unsigned long long>(verified->checkpoint.size),
              format_utc(verified->checkpoint.signed_at).c_str(), to_hex(verified->checkpoint.root).c_str());
  return kExitOk;
} catch (...) {
  return report_unexpected("civic-verify-receipt");
}
