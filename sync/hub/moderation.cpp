// Consultations, moderation and publishing: HubService's operator side.
#include <algorithm>

#include "service.h"

namespace civic {

namespace {

// Records are read in pages so that a large hub is never all in memory at once.
constexpr std::size_t kPage = 2000;

std::string new_moderation_id() {
  const auto bytes = random_fixed<4>();
  return "m-" + to_hex(bytes);
}

Result<Submission> open_record(HubStore& store, std::uint64_t record_id, const SealKeyPair& key) {
  CIVIC_ASSIGN(record, store.record(record_id));
  if (!record) return make_error(ErrorCode::kNotFound, "the record behind this idea is missing from the hub");
  auto s = open_submission(record->sealed, key);
  if (!s.ok()) {
    return make_error(s.code(), "cannot open the idea with this key (" + s.message() +
                                    "): use the hub's submission secret key");
  }
  return s;
}

Result<ModerationItem> find_item(HubStore& store, const std::string& moderation_id) {
  CIVIC_ASSIGN(found, store.moderation_item(moderation_id));
  if (!found) {
    return make_error(ErrorCode::kNotFound,
                      "no idea " + moderation_id + " is in moderation; list them with: civic-hub moderate");
  }
  return *found;
}

// Decisions are final: a decided idea changes only when reopened with a reason, and a pending one
// has nothing to reopen.
Status check_decision_allowed(const ModerationItem& item, const std::string& reopen_reason) {
  if (item.status == "pending") {
    if (!reopen_reason.empty()) {
      return make_error(ErrorCode::kInvalidArgument,
                        item.moderation_id + " has not been decided yet: there is nothing to reopen (leave out --reopen)");
    }
    return {};
  }
  if (reopen_reason.empty()) {
    return make_error(ErrorCode::kConflict,
                      item.moderation_id + " was already " + item.status + (item.redacted ? " with redactions" : "") +
                          "; decisions are final. To change it, say why: --reopen \"REASON\" (see the history with "
                          "civic-hub moderate log)");
  }
  return {};
}

std::string logged_action(const std::string& status, const std::string& reopen_reason) {
  return reopen_reason.empty() ? status : "reopened-" + status;
}

}  // namespace

Status HubService::set_consultations(const std::string& json, std::uint64_t now) {
  const ContentCheck check = check_consultations_file(json);
  if (!check.errors.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "the consultations file has " + std::to_string(check.errors.size()) +
                                                       " error(s):\n" + check.report("line"));
  }
  return store_->set_consultations(json, now);
}

Result<Content> HubService::consultations_with_approved_ideas() {
  CIVIC_ASSIGN(json, store_->consultations());
  if (!json) {
    return make_error(ErrorCode::kNotFound,
                      "no consultations are set; write a consultations file (see "
                      "assets/README.md) and run: civic-hub content publish FILE");
  }
  // The operators' file as they wrote it (checked when it was set): read as such, "open_data"
  // included. A file stored by an older hub that today's stricter checks refuse is still read by
  // the bundle rules it was published under (with the default open-data setting).
  ContentCheck check = check_consultations_file(*json);
  Content content;
  if (check.content) {
    content = std::move(*check.content);
  } else {
    CIVIC_ASSIGN(parsed, parse_content(*json));
    content = std::move(parsed);
  }
  CIVIC_ASSIGN(approved, store_->moderation("approved"));
  for (const auto& item : approved) {
    for (auto& c : content.consultations) {
      // A budget's projects have costs the city sets: a resident's idea there is a proposal for
      // the city (moderated, counted, exported), not a project on the ballot.
      if (c.id == item.consultation_id && c.voting != VotingMethod::kBudget) {
        c.ideas.push_back(Idea{published_idea_id(item), LocalText{{{item.language, item.published_text}}}});
      }
    }
  }
  return content;
}

Result<std::uint64_t> HubService::publish_content(std::uint64_t lifetime_seconds, std::uint64_t now,
                                                  const SigningKeyPair& content_key,
                                                  const std::string* consultations) {
  if (content_key.public_key != keys_.content) {
    return make_error(ErrorCode::kInvalidArgument, "this is not the secret half of this hub's content key (fingerprint " +
                                                       key_fingerprint(keys_.content.bytes) + ")");
  }
  if (consultations) CIVIC_TRY(set_consultations(*consultations, now));
  CIVIC_ASSIGN(content, consultations_with_approved_ideas());
  const std::string payload = format_content(content);
  CIVIC_TRY(parse_content(payload));  // what kiosks will parse, checked before it is signed
  CIVIC_ASSIGN(latest, store_->latest_content_version());
  ContentBundle bundle{latest + 1, now, now + lifetime_seconds, payload};
  CIVIC_ASSIGN(bytes, encode_signed_content(bundle, content_key));
  CIVIC_TRY(store_->publish_content(bytes, bundle.version, now));
  return bundle.version;
}

Result<std::vector<HubService::PendingIdea>> HubService::moderation_queue(const SealKeyPair& key) {
  if (key.public_key != keys_.submission) {
    return make_error(ErrorCode::kInvalidArgument,
                      "this is not the secret half of this hub's submission key "
                      "(fingerprint " +
                          key_fingerprint(keys_.submission.bytes) + ")");
  }
  CIVIC_ASSIGN(from, store_->moderation_scanned_up_to());
  std::uint64_t after = from;
  for (;;) {
    CIVIC_ASSIGN(page, store_->records(after, kPage));
    if (page.empty()) break;
    std::vector<ModerationItem> queue;
    for (const auto& r : page) {
      auto s = open_submission(r.sealed, key);
      if (!s.ok()) {
        note({0, "unreadable", to_hex(r.kiosk),
              "a record could not be opened for moderation: " + s.message()});
        continue;
      }
      if (!s->idea.empty()) {
        ModerationItem item;
        item.moderation_id = new_moderation_id();
        item.record_id = r.id;
        item.record_hash = r.record_hash;  // the same sealed record again is not listed again
        item.consultation_id = s->consultation_id;
        item.language = s->language;
        queue.push_back(std::move(item));
      }
      wipe_submission(*s);
    }
    after = page.back().id;
    CIVIC_TRY(store_->queue_for_moderation(queue, after));
  }
  CIVIC_ASSIGN(pending, store_->moderation("pending"));
  std::vector<PendingIdea> out;
  for (auto& item : pending) {
    CIVIC_ASSIGN(s, open_record(*store_, item.record_id, key));
    out.push_back({std::move(item), s.idea});
  }
  return out;
}

Result<ModerationItem> HubService::approve(const std::string& moderation_id, const SealKeyPair& key,
                                           const std::vector<std::string>& redactions,
                                           const std::string& replacement, const Decider& by, std::uint64_t now) {
  CIVIC_ASSIGN(item, find_item(*store_, moderation_id));
  CIVIC_TRY(check_decision_allowed(item, by.reopen_reason));
  CIVIC_ASSIGN(s, open_record(*store_, item.record_id, key));
  // What an operator removed once stays removed: a redacted idea starts from its redacted text.
  const std::string& base = item.redacted && !item.published_text.empty() ? item.published_text : s.idea;
  std::string text = replacement.empty() ? base : replacement;
  for (const auto& r : redactions) {
    if (r.empty()) continue;
    if (text.find(r) == std::string::npos) {
      return make_error(ErrorCode::kInvalidArgument,
                        "'" + r + "' is not in the idea's text: nothing was approved");
    }
    const std::string mark = "[…]";
    for (std::size_t at = text.find(r); at != std::string::npos; at = text.find(r, at + mark.size())) {
      text.replace(at, r.size(), mark);
    }
  }
  item.status = "approved";
  item.reason = by.reopen_reason;
  item.published_text = text;
  item.redacted = item.redacted || !replacement.empty() || !redactions.empty();
  item.decided_at = now;
  CIVIC_TRY(store_->decide(item, ModerationLogEntry{item.moderation_id, now, by.operator_name,
                                                    logged_action("approved", by.reopen_reason), by.reopen_reason,
                                                    item.redacted}));
  return item;
}

Result<ModerationItem> HubService::reject(const std::string& moderation_id, const std::string& reason,
                                          const Decider& by, std::uint64_t now) {
  if (reason.empty())
    return make_error(ErrorCode::kInvalidArgument, "give a reason for the rejection (--reason)");
  CIVIC_ASSIGN(item, find_item(*store_, moderation_id));
  CIVIC_TRY(check_decision_allowed(item, by.reopen_reason));
  item.status = "rejected";
  item.reason = reason;
  item.decided_at = now;  // the published text and redaction stay, for any later decision
  const std::string why = by.reopen_reason.empty() ? reason : by.reopen_reason + "; " + reason;
  CIVIC_TRY(store_->decide(item, ModerationLogEntry{item.moderation_id, now, by.operator_name,
                                                    logged_action("rejected", by.reopen_reason), why, item.redacted}));
  return item;
}

}  // namespace civic
