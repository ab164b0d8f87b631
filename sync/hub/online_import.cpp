// HubService's online participation: imports checked whole, signed, stored and logged.
#include "service.h"

namespace civic {

Result<HubService::OnlineImportResult> HubService::import_online(OnlineFormat format, const std::string& source,
                                                                 const std::string& file_name,
                                                                 const std::string& file_text,
                                                                 const std::string& mapping_json, std::uint64_t now) {
  CIVIC_ASSIGN(content, consultations_with_approved_ideas());
  CIVIC_ASSIGN(mapping, parse_online_mapping(mapping_json, content));
  OnlineParse parsed = parse_online_export(format, file_text, mapping, content, source);
  if (!parsed.data) {
    return make_error(ErrorCode::kMalformed, parsed.report(file_name) + file_name + " has " +
                                                 std::to_string(parsed.errors.size()) +
                                                 " error(s), listed above with their lines; nothing was imported. "
                                                 "Fix them (or export again) and run this again");
  }
  OnlineImportResult result;
  result.file_sha256 = file_sha256(as_bytes(file_text));
  const OnlineImportStatement statement{now, parsed.data->rows, result.file_sha256, online_format_name(format),
                                        source, mapping.consultation};
  CIVIC_ASSIGN(signed_statement, encode_signed_online_import(statement, keys_.signing));
  OnlineImport stored;
  stored.source = source;
  stored.consultation = mapping.consultation;
  stored.format = online_format_name(format);
  stored.file_sha256 = result.file_sha256;
  stored.imported_at = now;
  stored.rows = parsed.data->rows;
  stored.statement = std::move(signed_statement);
  stored.data = online_data_json(*parsed.data);
  CIVIC_ASSIGN(outcome, store_->store_online_import(stored));
  result.outcome = outcome;
  result.data = std::move(*parsed.data);
  return result;
}

Result<std::vector<OnlineData>> HubService::current_online_data() {
  CIVIC_ASSIGN(imports, store_->online_imports(true));
  std::vector<OnlineData> out;
  for (const auto& i : imports) {
    CIVIC_ASSIGN(data, parse_online_data_json(i.data));
    out.push_back(std::move(data));
  }
  return out;
}

}  // namespace civic
