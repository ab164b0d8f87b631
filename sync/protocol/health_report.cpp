#include "health_report.h"

#include "record.h"

namespace civic {

namespace {

Status check_text(const std::string& s, std::size_t max, const char* field) {
  if (s.size() > max || !is_valid_utf8(as_bytes(s))) {
    return make_error(ErrorCode::kMalformed, std::string("a health report's ") + field + " must be UTF-8 of at most " +
                                                 std::to_string(max) + " bytes");
  }
  return {};
}

// The sixteen numbers in their order on the wire (PROTOCOL.md "Health report").
template <typename Report, typename F>
void each_u64(Report& h, F&& f) {
  for (auto* v : {&h.sequence, &h.created_at, &h.uptime_seconds, &h.boots, &h.crashes, &h.backlog_records,
                  &h.oldest_pending_at, &h.free_disk_bytes, &h.disk_bytes, &h.content_version, &h.staff_lockouts,
                  &h.last_sync_at, &h.last_sync_success_at})
    f(*v);
}

}  // namespace

Result<Bytes> encode_signed_health_report(const HealthReport& h, const SigningKeyPair& kiosk_key) {
  CIVIC_TRY(check_text(h.software_version, kMaxSoftwareVersionBytes, "software version"));
  CIVIC_TRY(check_text(h.last_sync_error, kMaxSyncErrorBytes, "last sync error"));
  if (h.speech > SpeechHealth::kUnavailable) return make_error(ErrorCode::kMalformed, "unknown speech state");
  ByteWriter w(kMaxHealthReportSize);
  w.raw(as_bytes(magic::kHealthReport));
  w.u8(kHealthReportVersion);
  w.raw(h.kiosk_id);
  each_u64(h, [&](std::uint64_t v) { w.u64(v); });
  w.u16(h.display_width);
  w.u16(h.display_height);
  w.u8(static_cast<std::uint8_t>(h.speech));
  w.short_bytes(as_bytes(h.software_version));
  w.short_bytes(as_bytes(h.last_sync_error));
  w.raw(sign_digest(kiosk_key, tagged_digest(tag::kHealthReport, w.bytes())));
  return w.take();
}

Result<KioskId> health_report_kiosk(ByteView bytes) {
  if (bytes.size() > kMaxHealthReportSize) {
    return make_error(ErrorCode::kOversize, "a health report is at most " + std::to_string(kMaxHealthReportSize) +
                                                " bytes; this one is " + std::to_string(bytes.size()));
  }
  ByteReader r(bytes);
  CIVIC_TRY(expect_magic(r, magic::kHealthReport, "a civic-kiosk health report"));
  CIVIC_TRY(expect_version(r, kHealthReportVersion, "health report"));
  return r.fixed<kKioskIdSize>("kiosk_id");
}

Result<HealthReport> verify_health_report(ByteView bytes, const SigningPublicKey& kiosk_key) {
  CIVIC_ASSIGN(kiosk, health_report_kiosk(bytes));
  ByteReader r(bytes);
  CIVIC_TRY(r.raw(kMagicSize + kVersionSize + kKioskIdSize, "header"));
  HealthReport h;
  h.kiosk_id = kiosk;
  Status failed;
  each_u64(h, [&](std::uint64_t& v) {
    if (!failed.ok()) return;
    auto n = r.u64("health counts");
    if (n.ok()) v = *n; else failed = Status(n.error());
  });
  CIVIC_TRY(failed);
  CIVIC_ASSIGN(width, r.u16("display width"));
  CIVIC_ASSIGN(height, r.u16("display height"));
  CIVIC_ASSIGN(speech, r.u8("speech"));
  CIVIC_ASSIGN(version, r.short_bytes(kMaxSoftwareVersionBytes, "software version"));
  CIVIC_ASSIGN(error, r.short_bytes(kMaxSyncErrorBytes, "last sync error"));
  const std::size_t signed_size = r.offset();
  CIVIC_ASSIGN(signature, r.fixed<kSignatureSize>("signature"));
  CIVIC_TRY(r.expect_end("the health report"));
  if (!verify_digest(kiosk_key, tagged_digest(tag::kHealthReport, bytes.first(signed_size)), signature)) {
    return make_error(ErrorCode::kBadSignature,
                      "the health report's signature does not verify against the kiosk's key: it was altered or "
                      "came from another kiosk");
  }
  if (speech > static_cast<std::uint8_t>(SpeechHealth::kUnavailable))
    return make_error(ErrorCode::kMalformed, "a health report's speech state must be 0, 1 or 2");
  h.display_width = width;
  h.display_height = height;
  h.speech = static_cast<SpeechHealth>(speech);
  h.software_version = std::string(as_chars(version));
  h.last_sync_error = std::string(as_chars(error));
  CIVIC_TRY(check_text(h.software_version, kMaxSoftwareVersionBytes, "software version"));
  CIVIC_TRY(check_text(h.last_sync_error, kMaxSyncErrorBytes, "last sync error"));
  return h;
}

}  // namespace civic
