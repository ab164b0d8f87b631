#include "content.h"

#include <algorithm>

namespace civic {

namespace {
}  // namespace

Hash32 content_hash(ByteView bundle_bytes) {
  return tagged_hash(tag::kContentId, {bundle_bytes});
}

Result<Bytes> encode_signed_content(const ContentBundle& b, const SigningKeyPair& hub_key) {
  if (b.version == 0) return make_error(ErrorCode::kInvalidArgument, "content versions start at 1");
  if (b.expires_at <= b.issued_at) {
    return make_error(ErrorCode::kInvalidArgument, "a content bundle must expire after it is issued");
  }
  if (b.payload.size() > kMaxContentPayload) {
    return make_error(ErrorCode::kOversize, "the content is " + std::to_string(b.payload.size()) +
                                                " bytes; the limit is " +
                                                std::to_string(kMaxContentPayload));
  }
  if (!is_valid_utf8(as_bytes(b.payload))) {
    return make_error(ErrorCode::kInvalidArgument, "the content is not valid UTF-8 text");
  }
  ByteWriter w(kContentFixedSize + b.payload.size());
  w.raw(as_bytes(magic::kContent));
  w.u8(kContentVersion);
  w.u64(b.version);
  w.u64(b.issued_at);
  w.u64(b.expires_at);
  w.long_bytes(as_bytes(b.payload));
  w.raw(sign_digest(hub_key, tagged_digest(tag::kContent, w.bytes())));
  return w.take();
}

Result<VerifiedContent> verify_content(ByteView bytes, const SigningPublicKey& hub_key,
                                       const TrustedContentState& trusted, std::uint64_t now) {
  // Endless data: refuse before reading anything.
  if (bytes.size() > kMaxContentBundleBytes) {
    return make_error(ErrorCode::kOversize, "the content bundle is " + std::to_string(bytes.size()) +
                                                " bytes; the limit is " +
                                                std::to_string(kMaxContentBundleBytes));
  }
  ByteReader r(bytes);
  CIVIC_TRY(expect_magic(r, magic::kContent, "a civic-kiosk content bundle"));
  CIVIC_TRY(expect_version(r, kContentVersion, "content bundle"));
  VerifiedContent out;
  CIVIC_ASSIGN(version, r.u64("bundle_version"));
  CIVIC_ASSIGN(issued, r.u64("issued_at"));
  CIVIC_ASSIGN(expires, r.u64("expires_at"));
  CIVIC_ASSIGN(payload, r.long_bytes(kMaxContentPayload, "payload"));
  const std::size_t signed_size = r.offset();
  CIVIC_ASSIGN(signature, r.fixed<kSignatureSize>("signature"));
  CIVIC_TRY(r.expect_end("the content bundle"));
  if (!verify_digest(hub_key, tagged_digest(tag::kContent, bytes.first(signed_size)), signature)) {
    return make_error(ErrorCode::kBadSignature,
                      "the content bundle's signature does not verify against the hub's key: it "
                      "was altered or did not come from this hub");
  }
  if (version == 0 || expires <= issued || !is_valid_utf8(payload)) {
    return make_error(ErrorCode::kMalformed, "the content bundle is signed but malformed");
  }
  const Hash32 hash = content_hash(bytes);
  if (version < trusted.version) {
    return make_error(ErrorCode::kRollback,
                      "content version " + std::to_string(version) + " is older than version " +
                          std::to_string(trusted.version) + ", which this kiosk already has");
  }
  if (version == trusted.version && hash != trusted.bundle_hash) {
    return make_error(ErrorCode::kEquivocation,
                      "a different content bundle claims version " + std::to_string(version) +
                          ", which this kiosk already has; the hub must publish a new version");
  }
  const std::uint64_t floor = std::max(now, trusted.clock_floor);
  if (expires <= floor) {
    return make_error(ErrorCode::kExpired,
                      "content version " + std::to_string(version) + " expired at " +
                          std::to_string(expires) + " (Unix time), before " + std::to_string(floor) +
                          "; the hub must publish fresh content");
  }
  out.bundle.version = version;
  out.bundle.issued_at = issued;
  out.bundle.expires_at = expires;
  out.bundle.payload.assign(as_chars(payload));
  out.state.version = version;
  out.state.clock_floor = std::max(floor, issued);
  out.state.bundle_hash = hash;
  out.same_as_trusted = version == trusted.version;
  return out;
}

}  // namespace civic
