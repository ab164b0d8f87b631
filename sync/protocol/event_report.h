// A town-hall event's report: what field staff recorded when they closed it (name, place, date,
// the headcount of the room and how many records were made), signed by the kiosk that ran it, so
// the hub can report what share of the room took part. Counts only. See PROTOCOL.md "Event report".
#pragma once

#include <string>

#include "crypto.h"
#include "format.h"

namespace civic {

struct EventReport {
  KioskId kiosk_id{};
  std::string event_id;  // as records carry it
  std::string name, place, date;
  std::uint64_t started_at = 0, closed_at = 0;
  std::uint64_t headcount = 0;  // 0: not counted
  std::uint64_t town_hall_records = 0, paper_records = 0;
  bool operator==(const EventReport&) const = default;
};


[[nodiscard]] Result<Bytes> encode_signed_event_report(const EventReport& report,
                                                       const SigningKeyPair& kiosk_key);
// Reads the kiosk id without checking the signature (to find the key to check it with).
[[nodiscard]] Result<KioskId> event_report_kiosk(ByteView bytes);
[[nodiscard]] Result<EventReport> verify_event_report(ByteView bytes, const SigningPublicKey& kiosk_key);

}  // namespace civic
