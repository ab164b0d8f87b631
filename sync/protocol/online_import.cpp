#include "online_import.h"

#include <sodium.h>

#include <tuple>

#include "record.h"

namespace civic {

namespace {

struct TextField {
  const std::string* value;
  std::size_t max;
  const char* name;
};

Status check_text(const std::string& s, std::size_t max, const char* field) {
  if (s.empty() || s.size() > max || !is_valid_utf8(as_bytes(s))) {
    return make_error(ErrorCode::kMalformed, std::string("an online import's ") + field +
                                                 " must be UTF-8 of 1 to " + std::to_string(max) + " bytes");
  }
  return {};
}

}  // namespace

Hash32 file_sha256(ByteView bytes) {
  Hash32 out{};
  crypto_hash_sha256(out.data(), bytes.data(), bytes.size());
  return out;
}

Result<Bytes> encode_signed_online_import(const OnlineImportStatement& s, const SigningKeyPair& hub_key) {
  const TextField fields[] = {{&s.format, kMaxOnlineFormatBytes, "format"},
                              {&s.source, kMaxOnlineSourceBytes, "source"},
                              {&s.consultation, kMaxIdBytes, "consultation"}};
  for (const auto& f : fields) CIVIC_TRY(check_text(*f.value, f.max, f.name));
  ByteWriter w(kMaxOnlineImportSize);
  w.raw(as_bytes(magic::kOnlineImport));
  w.u8(kOnlineImportVersion);
  w.u64(s.imported_at);
  w.u64(s.rows);
  w.raw(s.file_sha256);
  for (const auto& f : fields) w.short_bytes(as_bytes(*f.value));
  w.raw(sign_digest(hub_key, tagged_digest(tag::kOnlineImport, w.bytes())));
  return w.take();
}

Result<OnlineImportStatement> verify_online_import(ByteView bytes, const SigningPublicKey& hub_key) {
  if (bytes.size() > kMaxOnlineImportSize) {
    return make_error(ErrorCode::kOversize, "an online import statement is at most " +
                                                std::to_string(kMaxOnlineImportSize) + " bytes; this one is " +
                                                std::to_string(bytes.size()));
  }
  ByteReader r(bytes);
  CIVIC_TRY(expect_magic(r, magic::kOnlineImport, "a civic-kiosk online import statement"));
  CIVIC_TRY(expect_version(r, kOnlineImportVersion, "online import statement"));
  OnlineImportStatement s;
  CIVIC_ASSIGN(at, r.u64("imported_at"));
  CIVIC_ASSIGN(rows, r.u64("rows"));
  CIVIC_ASSIGN(hash, r.fixed<kHashSize>("file_sha256"));
  s.imported_at = at;
  s.rows = rows;
  s.file_sha256 = hash;
  for (auto [field, max, name] : {std::tuple{&s.format, kMaxOnlineFormatBytes, "format"},
                                   std::tuple{&s.source, kMaxOnlineSourceBytes, "source"},
                                   std::tuple{&s.consultation, kMaxIdBytes, "consultation"}}) {
    CIVIC_ASSIGN(view, r.short_bytes(max, name));
    *field = std::string(as_chars(view));
    CIVIC_TRY(check_text(*field, max, name));
  }
  const std::size_t signed_size = r.offset();
  CIVIC_ASSIGN(signature, r.fixed<kSignatureSize>("signature"));
  CIVIC_TRY(r.expect_end("the online import statement"));
  if (!verify_digest(hub_key, tagged_digest(tag::kOnlineImport, bytes.first(signed_size)), signature)) {
    return make_error(ErrorCode::kBadSignature,
                      "the online import statement's signature does not verify against the hub's signing key: it "
                      "was altered or comes from another hub");
  }
  return s;
}

Hash32 online_import_leaf_data(ByteView statement) { return tagged_hash(tag::kOnlineImportLeaf, {statement}); }

}  // namespace civic
