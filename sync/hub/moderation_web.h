// civic-hub moderate --web: the same decisions as the moderation commands (approve, with words
// redacted; reject with a reason), in a browser, on the operator's own machine, and the count (as
// civic-hub tally) written where the operator console lists results. It listens on 127.0.0.1 only and holds the submission
// key in memory only. The address it prints carries a one-time code: the first browser to open
// it gets the session (HttpOnly, SameSite=Strict cookie), so another user of the same machine
// cannot take over; every form carries a CSRF token.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "service.h"

namespace civic {

struct ModerationWebOptions {
  int port = 0;               // 0: any free port
  std::string operator_name;  // for the moderation log
  std::optional<PopulationMargins> margins;  // for the count's weights, if given
  std::filesystem::path results_dir;         // where a count is written (a folder per run)
  std::function<void(const std::string& url)> on_ready;  // the address to open, with its code
};

[[nodiscard]] Status serve_moderation_web(HubService& service, const SealKeyPair& submission_key,
                                          const ModerationWebOptions& options);

}  // namespace civic
