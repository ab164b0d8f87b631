#include "count.h"

#include "report.h"
#include "sync/common/human.h"
#include "sync/files/files.h"

namespace civic {

Status count_records(HubStore& store, const SealKeyPair& key, TallyCounter& counter) {
  constexpr std::size_t kPage = 10000;  // about 10 MB of sealed records at a time
  CIVIC_ASSIGN(stored, store.record_count());
  CIVIC_ASSIGN(kiosks, store.kiosks());
  std::uint64_t read = 0;
  for (const auto& kiosk : kiosks) {
    std::uint64_t after = 0;
    for (;;) {
      CIVIC_ASSIGN(page, store.kiosk_records(kiosk.id, after, kPage));
      if (page.empty()) break;
      after = page.back().position;
      read += page.size();
      auto opened = open_records(page, key);
      counter.add(opened);
      for (auto& r : opened.opened) wipe_submission(r.submission);
    }
    counter.kiosk_done(kiosk.id);
  }
  // Records only grow while the hub serves: fewer than were stored before means some were missed.
  if (read < stored) {
    return make_error(ErrorCode::kInternal, "the count read " + std::to_string(read) + " records but the hub holds " +
                                                std::to_string(stored) + "; nothing was written: run it again, and "
                                                "report this if it repeats");
  }
  return {};
}

Result<std::pair<Tally, Content>> count_results(HubService& service, const SealKeyPair& key,
                                                const CountRequest& request) {
  const PopulationMargins* margins = request.margins ? &*request.margins : nullptr;
  CIVIC_ASSIGN(content_now, service.consultations_with_approved_ideas());
  CIVIC_TRY(check_tally_request(content_now, margins, request.only_consultation));
  // Everything else first: once records are opened, nothing returns before their words are wiped.
  TallyOptions options;
  options.max_sessions_per_hour = request.max_sessions_per_hour;
  options.consultation = request.only_consultation;
  options.exclude_revoked = request.exclude_revoked;
  CIVIC_ASSIGN(reports, service.store().event_reports());
  options.event_reports = reports;
  CIVIC_ASSIGN(kiosk_list, service.store().kiosks());
  options.kiosks = kiosk_list;
  CIVIC_ASSIGN(moderation_log, service.store().moderation_log());
  CIVIC_ASSIGN(online, service.current_online_data());
  options.online = std::move(online);
  CIVIC_ASSIGN(imports, service.store().online_imports(true));
  TallyCounter counter(content_now, margins, std::move(options));
  CIVIC_TRY(count_records(service.store(), key, counter));
  Tally t = counter.finish();
  t.moderation = summarise_moderation(moderation_log);
  for (const auto& i : imports) {
    if (!request.only_consultation.empty() && i.consultation != request.only_consultation) continue;
    t.online_sources.push_back({"online:" + i.source, i.consultation, i.format, to_hex(i.file_sha256), i.rows,
                                i.imported_at});
  }
  return std::pair{std::move(t), std::move(content_now)};
}

Status write_results(const Tally& t, const std::filesystem::path& dir, std::uint64_t now) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  for (const auto& [name, text] : std::vector<std::pair<std::string, std::string>>{
           {"results.json", results_json(t)},
           {"ideas.csv", ideas_csv(t)},
           {"breakdown.csv", breakdown_csv(t)},
           {"representation.csv", representation_csv(t)},
           {"report.html", results_html(t, format_utc(now))}}) {
    CIVIC_TRY(files::write_file(dir / name, text));
  }
  return {};
}

}  // namespace civic
