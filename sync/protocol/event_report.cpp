#include "event_report.h"

#include "record.h"

namespace civic {

namespace {


Status check_text(const std::string& s, std::size_t max, const char* field) {
  if (s.size() > max || !is_valid_utf8(as_bytes(s))) {
    return make_error(
        ErrorCode::kMalformed,
        std::string("the event's ") + field + " must be UTF-8 of at most " + std::to_string(max) + " bytes");
  }
  return {};
}

Result<std::string> read_text(ByteReader& r, std::size_t max, const char* field) {
  CIVIC_ASSIGN(view, r.short_bytes(max, field));
  std::string s(as_chars(view));
  CIVIC_TRY(check_text(s, max, field));
  return s;
}

}  // namespace

Result<Bytes> encode_signed_event_report(const EventReport& e, const SigningKeyPair& kiosk_key) {
  CIVIC_TRY(check_text(e.event_id, kMaxIdBytes, "id"));
  CIVIC_TRY(check_text(e.name, kMaxEventTextBytes, "name"));
  CIVIC_TRY(check_text(e.place, kMaxEventTextBytes, "place"));
  CIVIC_TRY(check_text(e.date, kMaxEventDateBytes, "date"));
  if (e.event_id.empty()) return make_error(ErrorCode::kMalformed, "an event report needs the event's id");
  ByteWriter w(kMaxEventReportSize);
  w.raw(as_bytes(magic::kEventReport));
  w.u8(kEventReportVersion);
  w.raw(e.kiosk_id);
  w.u64(e.started_at);
  w.u64(e.closed_at);
  w.u64(e.headcount);
  w.u64(e.town_hall_records);
  w.u64(e.paper_records);
  for (const std::string* s : {&e.event_id, &e.name, &e.place, &e.date}) w.short_bytes(as_bytes(*s));
  w.raw(sign_digest(kiosk_key, tagged_digest(tag::kEventReport, w.bytes())));
  return w.take();
}

Result<KioskId> event_report_kiosk(ByteView bytes) {
  if (bytes.size() > kMaxEventReportSize) {
    return make_error(ErrorCode::kOversize, "an event report is at most " +
                                                std::to_string(kMaxEventReportSize) + " bytes; this one is " +
                                                std::to_string(bytes.size()));
  }
  ByteReader r(bytes);
  CIVIC_TRY(expect_magic(r, magic::kEventReport, "a civic-kiosk event report"));
  CIVIC_TRY(expect_version(r, kEventReportVersion, "event report"));
  return r.fixed<kKioskIdSize>("kiosk_id");
}

Result<EventReport> verify_event_report(ByteView bytes, const SigningPublicKey& kiosk_key) {
  CIVIC_ASSIGN(kiosk, event_report_kiosk(bytes));
  ByteReader r(bytes);
  CIVIC_TRY(r.raw(kMagicSize + kVersionSize + kKioskIdSize, "header"));
  EventReport e;
  e.kiosk_id = kiosk;
  for (std::uint64_t* v :
       {&e.started_at, &e.closed_at, &e.headcount, &e.town_hall_records, &e.paper_records}) {
    CIVIC_ASSIGN(n, r.u64("counts"));
    *v = n;
  }
  CIVIC_ASSIGN(id, read_text(r, kMaxIdBytes, "id"));
  CIVIC_ASSIGN(name, read_text(r, kMaxEventTextBytes, "name"));
  CIVIC_ASSIGN(place, read_text(r, kMaxEventTextBytes, "place"));
  CIVIC_ASSIGN(date, read_text(r, 16, "date"));
  const std::size_t signed_size = r.offset();
  CIVIC_ASSIGN(signature, r.fixed<kSignatureSize>("signature"));
  CIVIC_TRY(r.expect_end("the event report"));
  if (!verify_digest(kiosk_key, tagged_digest(tag::kEventReport, bytes.first(signed_size)), signature)) {
    return make_error(ErrorCode::kBadSignature,
                      "the event report's signature does not verify against the kiosk's "
                      "key: it was altered or came from another kiosk");
  }
  if (id.empty()) return make_error(ErrorCode::kMalformed, "an event report needs the event's id");
  e.event_id = id;
  e.name = name;
  e.place = place;
  e.date = date;
  return e;
}

}  // namespace civic
