// What every civic-kiosk program shares on its command line: the exit codes (one set, documented
// in README.md), --version, "did you mean ...?" for a mistyped word, and the mapping from an
// Error to an exit code.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sync/common/result.h"

namespace CLI {
class App;
}

namespace civic {

// The exit codes of every program (after BSD's sysexits.h where one fits). Scripts and systemd
// units rely on them: change them only with README.md's table.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;        // it did not work: a check failed, a disk or database error
inline constexpr int kExitUsage = 2;          // the command line is wrong: unknown word, missing argument
inline constexpr int kExitDataError = 65;     // the input or the other side's answer is malformed or refused
inline constexpr int kExitTempFail = 75;      // try again later: the hub is unreachable or busy, a lock is held
inline constexpr int kExitNoPermission = 77;  // not allowed: not enrolled, revoked, the wrong key
inline constexpr int kExitConfig = 78;        // a configuration or operator's file must be fixed

// This build's version, e.g. "0.1.0".
const char* civic_version();

// A new secret (a PIN, a password) typed twice on standard input: echo off on a terminal, with
// `prompt` ("new staff PIN (4 to 12 digits)"); from a pipe, the first line alone. An error, and
// nothing returned, when the two differ; `plural` names them ("PINs").
[[nodiscard]] Result<std::string> read_new_secret(const std::string& prompt, const std::string& plural);

// The configuration file to read when --config is not given: the environment variable's value
// when it is set and not empty (CIVIC_HUB_CONFIG, CIVIC_KIOSK_CONFIG), else the system's file.
std::string default_config_file(const char* environment_variable, const char* system_file);
// Whether that variable names a configuration file (set and not empty): then it must be read.
bool environment_names_config(const char* environment_variable);

// The exit code that tells a script what kind of failure `e` is.
int exit_code_for(const Error& e);

// Prints "PROGRAM: message" on stderr and returns exit_code_for(e).
int report_failure(const std::string& program, const Error& e);

// For main()'s function-try-block, inside `catch (...)`: an exception nothing else caught (memory
// exhausted, a library's surprise) is reported in one line and ends the program with
// kExitFailure, never an abort.
int report_unexpected(const char* program) noexcept;

// Adds --version and shows every option's default in --help. Call before adding options.
void set_up_command_line(CLI::App& app, const std::string& program);

// Parses; returns nothing when the program should go on, or the exit code to return now:
// 0 after --help or --version (printed on stdout), kExitUsage after a wrong command line (the
// error on stderr, with "did you mean ...?" when a word is close to one the program knows).
// `words`: further words the program accepts that are not subcommands or options (actions).
std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv,
                                      const std::vector<std::string>& words = {});

// The known word closest to `typed` (at most two edits, and fewer than half its letters), if any.
std::optional<std::string> closest_word(const std::string& typed, const std::vector<std::string>& known);

}  // namespace civic
