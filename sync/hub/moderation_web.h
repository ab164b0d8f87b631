// civic-hub moderate --web: the same decisions as the moderation commands (approve, with words
// redacted or the text rewritten; reject with a reason; reopen a decision, saying why), in a
// browser, on the operator's own machine. It listens on 127.0.0.1 only and holds the submission
// key in memory only. The address it prints carries a one-time code: the first browser to open
// it gets the session (HttpOnly, SameSite=Strict cookie), so another user of the same machine
// cannot take over; every form carries a CSRF token.
#pragma once

#include <functional>
#include <string>

#include "service.h"

namespace civic {

struct ModerationWebOptions {
  int port = 0;               // 0: any free port
  std::string operator_name;  // for the moderation log
  std::function<void(const std::string& url)> on_ready;  // the address to open, with its code
};

[[nodiscard]] Status serve_moderation_web(HubService& service, const SealKeyPair& submission_key,
                                          const ModerationWebOptions& options);

}  // namespace civic
