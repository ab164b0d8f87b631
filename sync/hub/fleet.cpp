#include "fleet.h"

#include <algorithm>
#include <map>

namespace civic {

std::uint64_t nights_between(std::uint64_t from, std::uint64_t to) { return to > from ? (to - from) / 86400 : 0; }

std::vector<HealthFlag> health_flags(const KioskHealth& k, const FleetSettings& settings, std::uint64_t now) {
  using K = HealthFlag::Kind;
  std::vector<HealthFlag> flags;
  if (k.kiosk.revoked_at) return {HealthFlag{K::kRevoked}};
  if (!k.last_contact) return {HealthFlag{K::kNeverHeard}};
  if (const auto nights = nights_between(*k.last_contact, now);
      nights >= static_cast<std::uint64_t>(settings.silent_after_nights))
    flags.push_back({K::kSilent, nights});
  if (!k.latest) {
    flags.push_back({K::kNoHealthReport});
    return flags;
  }
  const HealthReport& h = k.latest->report;
  if (h.disk_bytes > 0 && h.free_disk_bytes * 100 < h.disk_bytes * static_cast<std::uint64_t>(settings.disk_low_percent))
    flags.push_back({K::kDiskLow, h.free_disk_bytes * 100 / h.disk_bytes});
  if (h.speech == SpeechHealth::kUnavailable) flags.push_back({K::kSpeechUnavailable});
  if (!settings.hub_version.empty() && h.software_version != settings.hub_version)
    flags.push_back({K::kOldSoftware, 0, 0, h.software_version});
  if (h.content_version < settings.content_version) flags.push_back({K::kOldContent, h.content_version});
  if (h.backlog_records > 0 && h.oldest_pending_at > 0 && h.created_at > h.oldest_pending_at &&
      (h.created_at - h.oldest_pending_at) / 86400 >= settings.backlog_days)
    flags.push_back({K::kBacklog, h.backlog_records, (h.created_at - h.oldest_pending_at) / 86400});
  // Crashes and lock-outs are totals since set-up: what changed since the report before.
  const HealthReport* before = k.previous ? &k.previous->report : nullptr;
  // (Without a report before, or after the kiosk's counts were reset: the totals.)
  const auto since = [&](std::uint64_t now_total, std::uint64_t before_total) {
    return before && now_total >= before_total ? now_total - before_total : now_total;
  };
  if (const auto crashes = since(h.crashes, before ? before->crashes : 0); crashes > 0)
    flags.push_back({K::kCrashed, crashes});
  if (const auto lockouts = since(h.staff_lockouts, before ? before->staff_lockouts : 0); lockouts > 0)
    flags.push_back({K::kStaffLockouts, lockouts});
  if (!h.last_sync_error.empty()) flags.push_back({K::kSyncFailing, 0, 0, h.last_sync_error});
  return flags;
}

Result<std::vector<KioskHealth>> fleet_health(HubStore& store, const FleetSettings& settings, std::uint64_t now) {
  CIVIC_ASSIGN(kiosks, store.kiosks());
  std::vector<KioskHealth> out;
  for (auto& kiosk : kiosks) {
    KioskHealth k;
    CIVIC_ASSIGN(reports, store.health_reports(kiosk.id, 2));
    if (!reports.empty()) k.latest = reports[0];
    if (reports.size() > 1) k.previous = reports[1];
    k.last_contact = kiosk.last_contact;
    k.kiosk = std::move(kiosk);
    k.flags = health_flags(k, settings, now);
    out.push_back(std::move(k));
  }
  std::sort(out.begin(), out.end(), [](const KioskHealth& a, const KioskHealth& b) { return a.kiosk.name < b.kiosk.name; });
  return out;
}

}  // namespace civic
