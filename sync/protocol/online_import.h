// The hub's statement that it imported a file of online participation (a platform's export) for
// a consultation: which file (its SHA-256, as `sha256sum` prints it), when, how many rows, from
// which source. Signed by the hub signing key and appended to the transparency log, so anyone can
// check which online data published results used. See PROTOCOL.md "Online import statement".
#pragma once

#include <string>

#include "crypto.h"
#include "format.h"

namespace civic {

struct OnlineImportStatement {
  std::uint64_t imported_at = 0;  // Unix seconds
  std::uint64_t rows = 0;         // data rows read from the file
  Hash32 file_sha256{};
  std::string format;        // decidim, consul, participants
  std::string source;        // the operator's name for the channel, e.g. "decidim"
  std::string consultation;  // consultation id
  bool operator==(const OnlineImportStatement&) const = default;
};

// Plain SHA-256 of a file's bytes (not a tagged hash: people check it with sha256sum).
Hash32 file_sha256(ByteView bytes);

[[nodiscard]] Result<Bytes> encode_signed_online_import(const OnlineImportStatement& statement,
                                                        const SigningKeyPair& hub_key);
[[nodiscard]] Result<OnlineImportStatement> verify_online_import(ByteView bytes, const SigningPublicKey& hub_key);
// The statement's leaf data in the transparency log: H256("civic-kiosk/online-import-leaf/v1",
// statement bytes). A record's leaf data is its record hash; the tags keep the two apart.
Hash32 online_import_leaf_data(ByteView statement);

}  // namespace civic
