// civic-verify-receipt: checks a receipt proof offline against the hub's public signing key.
// Exit codes (README.md): 0 the record behind the receipt is in the hub's log; 1 it is not shown to
// be; 2 usage; 65 the proof file is not a proof; 78 the key file is not the hub's public signing key.
#include <cstdio>
#include <string>

#include "receipt_proof.h"
#include "sync/cli/cli.h"
#include "sync/common/human.h"
#include "sync/files/files.h"
#include "sync/keystore/keystore.h"

using namespace civic;

int main(int argc, char** argv) try {
  const bool asked = argc == 2 && (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h");
  if (argc == 2 && std::string(argv[1]) == "--version") {
    std::printf("civic-verify-receipt %s\n", civic_version());
    return kExitOk;
  }
  if (argc != 3) {
    // On stdout with exit 0 when asked for (--help); on stderr with exit 2 for a wrong command line.
    std::fprintf(
        asked ? stdout : stderr,
        "usage: civic-verify-receipt PROOF.json HUB-SIGNING.pub\n"
        "  PROOF.json: from 'civic-hub receipt CODE'; HUB-SIGNING.pub: the hub's public signing key,\n"
        "  obtained from the city, not from the proof's sender\n");
    return asked ? kExitOk : kExitUsage;
  }
  if (auto s = crypto_init(); !s.ok()) return report_failure("civic-verify-receipt", s.error());
  // A proof is a few kilobytes (a path of hashes); anything much larger is not one.
  auto text = files::read_named_file(argv[1], 1024 * 1024);
  if (!text.ok()) return report_failure("civic-verify-receipt", text.error());
  auto key = load_signing_public_key(argv[2], KeyType::kHubSigningPublic);
  if (!key.ok()) return report_failure("civic-verify-receipt", key.error());
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
