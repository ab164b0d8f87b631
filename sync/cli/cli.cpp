#include "cli.h"

#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdlib>
#include <cstdio>
#include <iostream>

#include "sync/protocol/record.h"

namespace civic {

const char* civic_version() { return CIVIC_VERSION; }

namespace {
// Echo off on a terminal while it lives, back on when it ends.
class QuietTerminal {
 public:
  QuietTerminal() : tty_(::isatty(STDIN_FILENO) != 0) {
    if (!tty_) return;
    ::tcgetattr(STDIN_FILENO, &saved_);
    termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  ~QuietTerminal() {
    if (tty_) ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
  }
  QuietTerminal(const QuietTerminal&) = delete;
  QuietTerminal& operator=(const QuietTerminal&) = delete;
  bool tty() const { return tty_; }

 private:
  bool tty_;
  termios saved_{};
};
}  // namespace

Result<std::string> read_new_secret(const std::string& prompt, const std::string& plural) {
  std::string first, second;
  QuietTerminal terminal;
  if (!terminal.tty()) {
    std::getline(std::cin, first);
    return first;
  }
  std::fprintf(stderr, "%s: ", prompt.c_str());
  std::getline(std::cin, first);
  std::fprintf(stderr, "\nagain: ");
  std::getline(std::cin, second);
  std::fprintf(stderr, "\n");
  const bool same = first == second;
  wipe_string(second);
  if (!same) {
    wipe_string(first);
    return make_error(ErrorCode::kInvalidArgument, "the two " + plural + " differ; nothing was changed");
  }
  return first;
}

bool environment_names_config(const char* environment_variable) {
  const char* set = std::getenv(environment_variable);
  return set && *set;
}

std::string default_config_file(const char* environment_variable, const char* system_file) {
  return environment_names_config(environment_variable) ? std::getenv(environment_variable) : system_file;
}

int exit_code_for(const Error& e) {
  switch (e.code) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kWrongKeyType:
    case ErrorCode::kCorruptKeyFile:
    case ErrorCode::kInsecurePermissions: return kExitConfig;
    case ErrorCode::kUnauthorized: return kExitNoPermission;
    case ErrorCode::kUnavailable:
    case ErrorCode::kBusy:
    case ErrorCode::kRateLimited: return kExitTempFail;
    case ErrorCode::kBadMagic:
    case ErrorCode::kUnknownVersion:
    case ErrorCode::kTruncated:
    case ErrorCode::kTrailingBytes:
    case ErrorCode::kLengthOverflow:
    case ErrorCode::kOversize:
    case ErrorCode::kNotCanonical:
    case ErrorCode::kBadSignature:
    case ErrorCode::kMalformed:
    case ErrorCode::kChainMismatch:
    case ErrorCode::kRollback:
    case ErrorCode::kEquivocation:
    case ErrorCode::kExpired:
    case ErrorCode::kBadReceiptCode: return kExitDataError;
    default: return kExitFailure;
  }
}

int report_unexpected(const char* program) noexcept {
  try {
    throw;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: unexpected error: %s; what was done so far is kept. Please report this.\n", program,
                 e.what());
  } catch (...) {
    std::fprintf(stderr, "%s: unexpected error; what was done so far is kept. Please report this.\n", program);
  }
  return kExitFailure;
}

int report_failure(const std::string& program, const Error& e) {
  std::fprintf(stderr, "%s: %s\n", program.c_str(), e.message.c_str());
  return exit_code_for(e);
}

void set_up_command_line(CLI::App& app, const std::string& program) {
  app.name(program);
  app.option_defaults()->always_capture_default();
  app.set_version_flag("--version", program + " " + civic_version());
}

namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// Every subcommand name and long option of `app` and below.
void collect_words(const CLI::App& app, std::vector<std::string>& words) {
  for (const CLI::Option* option : app.get_options()) {
    for (const std::string& name : option->get_lnames()) words.push_back("--" + name);
  }
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    words.push_back(sub->get_name());
    collect_words(*sub, words);
  }
}

}  // namespace

std::optional<std::string> closest_word(const std::string& typed, const std::vector<std::string>& known) {
  std::optional<std::string> best;
  std::size_t best_distance = 3;
  for (const std::string& word : known) {
    if (word == typed) return std::nullopt;  // not a typo
    const std::size_t d = edit_distance(typed, word);
    if (d < best_distance && d * 2 < typed.size()) {
      best_distance = d;
      best = word;
    }
  }
  return best;
}

std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv, const std::vector<std::string>& words) {
  try {
    app.parse(argc, argv);
    return std::nullopt;
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help, --version: on stdout, exit 0
  } catch (const CLI::ParseError& e) {
    std::vector<std::string> known = words;
    collect_words(app, known);
    std::string suggestion;
    for (int i = 1; i < argc && suggestion.empty(); ++i) {
      std::string typed = argv[i];
      if (const auto eq = typed.find('='); typed.rfind("--", 0) == 0 && eq != std::string::npos) typed.resize(eq);
      if (auto close = closest_word(typed, known)) {
        suggestion = "'" + typed + "' is not a word " + app.get_name() + " knows: did you mean '" + *close + "'?\n";
      }
    }
    std::fprintf(stderr, "%s: %s%s\nrun '%s --help' for what it takes\n", app.get_name().c_str(),
                 suggestion.c_str(), e.what(), app.get_name().c_str());
    return kExitUsage;
  }
}

}  // namespace civic
