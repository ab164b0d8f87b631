#include "key_statement.h"

#include "record.h"

namespace civic {

namespace {
}  // namespace

Bytes encode_signed_key_statement(const SealPublicKey& submission, const SigningPublicKey& content,
                                  std::uint64_t issued_at, const SigningKeyPair& hub_signing) {
  ByteWriter w(kKeyStatementSize);
  w.raw(as_bytes(magic::kKeyStatement));
  w.u8(kKeyStatementVersion);
  w.raw(hub_signing.public_key.bytes);
  w.raw(submission.bytes);
  w.raw(content.bytes);
  w.u64(issued_at);
  w.raw(sign_digest(hub_signing, tagged_digest(tag::kKeyStatement, w.bytes())));
  return w.take();
}

Result<KeyStatement> verify_key_statement(ByteView bytes, const SigningPublicKey& hub_signing) {
  if (bytes.size() >= 5 && bytes[4] == 1 && as_chars(bytes.first(4)) == magic::kKeyStatement) {
    return make_error(ErrorCode::kUnknownVersion, "the hub sent a version 1 key statement, made before content had "
                                                  "its own key: upgrade the hub, then enrol again");
  }
  if (bytes.size() != kKeyStatementSize) {
    return make_error(ErrorCode::kMalformed, "a key statement is " + std::to_string(kKeyStatementSize) +
                                                 " bytes; this one is " + std::to_string(bytes.size()));
  }
  ByteReader r(bytes);
  CIVIC_TRY(expect_magic(r, magic::kKeyStatement, "a civic-kiosk key statement"));
  CIVIC_TRY(expect_version(r, kKeyStatementVersion, "key statement"));
  KeyStatement s;
  CIVIC_ASSIGN(signing, r.fixed<kPublicKeySize>("hub signing key"));
  CIVIC_ASSIGN(submission, r.fixed<kPublicKeySize>("hub submission key"));
  CIVIC_ASSIGN(content, r.fixed<kPublicKeySize>("hub content key"));
  CIVIC_ASSIGN(issued_at, r.u64("issued at"));
  const std::size_t signed_size = r.offset();
  CIVIC_ASSIGN(signature, r.fixed<kSignatureSize>("signature"));
  CIVIC_TRY(r.expect_end("the key statement"));
  s.hub_signing = SigningPublicKey{signing};
  s.hub_submission = SealPublicKey{submission};
  s.hub_content = SigningPublicKey{content};
  s.issued_at = issued_at;
  if (s.hub_signing != hub_signing) {
    return make_error(ErrorCode::kBadSignature, "the key statement names another hub signing key");
  }
  if (!verify_digest(hub_signing, tagged_digest(tag::kKeyStatement, bytes.first(signed_size)), signature)) {
    return make_error(ErrorCode::kBadSignature,
                      "the hub's key statement does not verify against its signing key: the submission or content "
                      "key was altered on the way");
  }
  return s;
}

}  // namespace civic
