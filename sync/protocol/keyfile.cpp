#include "keyfile.h"

#include <cstring>

namespace civic {

namespace {

FixedBytes<kKeyChecksumSize> checksum(ByteView body) {
  auto h = tagged_hash(tag::kKeyFile, {body});
  FixedBytes<kKeyChecksumSize> out{};
  std::memcpy(out.data(), h.data(), out.size());
  return out;
}
}  // namespace

const char* key_type_description(KeyType type) {
  switch (type) {
    case KeyType::kKioskSigningSecret: return "kiosk signing secret key";
    case KeyType::kKioskSigningPublic: return "kiosk signing public key";
    case KeyType::kHubSubmissionSecret: return "hub submission secret key";
    case KeyType::kHubSubmissionPublic: return "hub submission public key";
    case KeyType::kHubSigningSecret: return "hub signing secret key";
    case KeyType::kHubSigningPublic: return "hub signing public key";
    case KeyType::kHubContentSecret: return "hub content secret key";
    case KeyType::kHubContentPublic: return "hub content public key";
  }
  return "unknown kind of key";
}

bool is_secret_key_type(KeyType type) {
  return type == KeyType::kKioskSigningSecret || type == KeyType::kHubSubmissionSecret ||
         type == KeyType::kHubSigningSecret || type == KeyType::kHubContentSecret;
}

Bytes encode_key_file(KeyType type, const FixedBytes<kKeyMaterialSize>& material) {
  ByteWriter w;
  w.raw(as_bytes(magic::kKeyFile));
  w.u8(kKeyFileVersion);
  w.u8(static_cast<std::uint8_t>(type));
  w.raw(material);
  auto sum = checksum(w.bytes());
  w.raw(sum);
  return w.take();
}

Result<FixedBytes<kKeyMaterialSize>> decode_key_file(ByteView bytes, KeyType expected) {
  ByteReader r(bytes);
  CIVIC_TRY(expect_magic(r, magic::kKeyFile, "a civic-kiosk key file"));
  CIVIC_TRY(expect_version(r, kKeyFileVersion, "key file"));
  CIVIC_ASSIGN(type, r.u8("type"));
  if (type != static_cast<std::uint8_t>(expected)) {
    const bool known = type >= 1 && type <= 8;
    return make_error(ErrorCode::kWrongKeyType,
                      std::string("this file holds a ") +
                          (known ? key_type_description(static_cast<KeyType>(type)) : "key of unknown type") +
                          ", but a " + key_type_description(expected) + " is needed here");
  }
  CIVIC_ASSIGN(material, r.fixed<kKeyMaterialSize>("key"));
  CIVIC_ASSIGN(sum, r.fixed<kKeyChecksumSize>("checksum"));
  CIVIC_TRY(r.expect_end("the key file"));
  if (!constant_time_equal(sum, checksum(bytes.first(kKeyFileSize - kKeyChecksumSize)))) {
    return make_error(ErrorCode::kCorruptKeyFile,
                      "the key file is damaged (its checksum does not match); restore it from a backup");
  }
  return material;
}

}  // namespace civic
