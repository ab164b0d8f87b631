#include "enrolment.h"

#include <algorithm>

namespace civic {

Hash32 enrolment_token_hash(const FixedBytes<16>& secret) {
  return tagged_hash(tag::kEnrolmentToken, {ByteView(secret)});
}

std::string compact_fingerprint(const SigningPublicKey& key) {
  std::string fp = key_fingerprint(key.bytes);
  fp.erase(std::remove(fp.begin(), fp.end(), ' '), fp.end());
  return fp;
}

std::string format_enrolment_token(const EnrolmentToken& token) {
  return to_hex(token.secret) + "-" + token.hub_fingerprint;
}

Result<EnrolmentToken> parse_enrolment_token(std::string_view text) {
  const auto dash = text.find('-');
  if (dash != 32 || text.size() != 32 + 1 + 16) {
    return make_error(ErrorCode::kInvalidArgument, "an enrolment token is 32 hex digits, a dash and 16 hex digits, "
                                                   "as printed by 'civic-hub enroll-token'");
  }
  auto secret = fixed_from_hex<16>(text.substr(0, 32));
  auto fp = from_hex(text.substr(33));
  if (!secret.ok() || !fp.ok()) {
    return make_error(ErrorCode::kInvalidArgument, "the enrolment token has characters that are not hex digits");
  }
  EnrolmentToken t;
  t.secret = *secret;
  t.hub_fingerprint = to_hex(*fp);
  return t;
}

}  // namespace civic
