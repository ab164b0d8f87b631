#include <catch2/catch.hpp>

#include <fstream>

#include "sync/config/config.h"

using namespace civic;
namespace fs = std::filesystem;

namespace {
struct TempFile {
  fs::path path;
  explicit TempFile(const std::string& text) {
    char tmpl[] = "/tmp/civic-config-XXXXXX";
    int fd = ::mkstemp(tmpl);
    ::close(fd);
    path = tmpl;
    std::ofstream(path) << text;
  }
  ~TempFile() { fs::remove(path); }
};
}  // namespace

TEST_CASE("the example configurations load and hold the defaults", "[config]") {
  auto kiosk = load_kiosk_config(fs::path(CIVIC_SOURCE_DIR) / "config/kiosk.toml");
  REQUIRE(kiosk.ok());
  KioskConfig defaults;
  CHECK(kiosk->state_dir == defaults.state_dir);
  CHECK(kiosk->retention_days == defaults.retention_days);
  CHECK(kiosk->idle_warning_seconds == defaults.idle_warning_seconds);
  CHECK(kiosk->speech_idle_timeout_seconds == defaults.speech_idle_timeout_seconds);
  CHECK(kiosk->speech_idle_timeout_seconds > kiosk->idle_timeout_seconds);
  CHECK(kiosk->speech_enabled);
  CHECK(kiosk->languages == std::vector<std::string>{"en", "fr"});
  CHECK(kiosk->headphone_names == defaults.headphone_names);
  auto hub = load_hub_config(fs::path(CIVIC_SOURCE_DIR) / "config/hub.toml");
  REQUIRE(hub.ok());
  CHECK(hub->port == HubConfig{}.port);
}

TEST_CASE("configuration errors name the file, the line and the key", "[config]") {
  SECTION("a misspelt key") {
    TempFile f("[sync]\nhub_url = \"https://hub\"\nretention_dayz = 3\n");
    auto c = load_kiosk_config(f.path);
    CHECK(c.code() == ErrorCode::kInvalidArgument);
    CHECK_THAT(c.message(), Catch::Contains(f.path.string() + ":3") && Catch::Contains("retention_dayz"));
  }
  SECTION("languages: a list of tags, and the default among them") {
    TempFile list("[languages]\noffered = \"en\"\n");
    CHECK_THAT(load_kiosk_config(list.path).message(),
               Catch::Contains(list.path.string() + ":2") && Catch::Contains("a list of texts"));
    TempFile stranger("[languages]\noffered = [\"en\", \"es\"]\n[session]\ndefault_language = \"fr\"\n");
    CHECK_THAT(load_kiosk_config(stranger.path).message(), Catch::Contains("is not one of offered"));
    TempFile eight("[languages]\noffered = [\"en\", \"fr\", \"es\", \"iu\", \"crk\", \"de\", \"pt\", \"tl\"]\n");
    auto c = load_kiosk_config(eight.path);
    REQUIRE(c.ok());
    CHECK(c->languages.size() == 8);
  }
  SECTION("the hub's store: a PostgreSQL URL or nothing, and a password never repeated") {
    TempFile other("[store]\nurl = \"mysql://hub:s3cret@db/civic\"\n");
    auto c = load_hub_config(other.path);
    CHECK(c.code() == ErrorCode::kInvalidArgument);
    CHECK_THAT(c.message(), Catch::Contains("[store]") && Catch::Contains("postgresql://"));
    CHECK_THAT(c.message(), !Catch::Contains("s3cret"));
    TempFile pg("[store]\nurl = \"postgresql://hub@db/civic\"\n");
    auto ok = load_hub_config(pg.path);
    REQUIRE(ok.ok());
    CHECK(ok->store_url == "postgresql://hub@db/civic");
    auto by_default = load_hub_config(fs::path(CIVIC_SOURCE_DIR) / "config/hub.toml");
    REQUIRE(by_default.ok());
    CHECK(by_default->store_url.empty());
  }
  SECTION("an unknown section") {
    TempFile f("[snyc]\n");
    CHECK_THAT(load_kiosk_config(f.path).message(), Catch::Contains("unknown section 'snyc'"));
  }
  SECTION("a wrong type") {
    TempFile f("[server]\nport = \"8470\"\n");
    CHECK_THAT(load_hub_config(f.path).message(), Catch::Contains(":2") && Catch::Contains("whole number"));
  }
  SECTION("out of range") {
    TempFile f("[server]\nport = 70000\n");
    CHECK_THAT(load_hub_config(f.path).message(), Catch::Contains("between 1 and 65535"));
  }
  SECTION("not TOML") {
    TempFile f("[sync\nhub_url = \n");
    auto c = load_kiosk_config(f.path);
    CHECK(c.code() == ErrorCode::kInvalidArgument);
    CHECK_THAT(c.message(), Catch::Contains(f.path.string() + ":1"));
  }
  SECTION("a hub address that is not http(s)") {
    TempFile f("[sync]\nhub_url = \"ftp://hub\"\n");
    CHECK_THAT(load_kiosk_config(f.path).message(), Catch::Contains("https://"));
  }
  SECTION("a warning that comes after the time-out") {
    TempFile f("[session]\nidle_timeout_seconds = 60\nidle_warning_seconds = 90\n");
    CHECK_THAT(load_kiosk_config(f.path).message(), Catch::Contains("shorter"));
  }
  SECTION("a speech time-out shorter than the warning") {
    TempFile f("[session]\nspeech_idle_timeout_seconds = 25\n");
    CHECK_THAT(load_kiosk_config(f.path).message(), Catch::Contains("speech_idle_timeout_seconds"));
  }
  SECTION("speech switched on with a string") {
    TempFile f("[speech]\nenabled = \"yes\"\n");
    CHECK_THAT(load_kiosk_config(f.path).message(), Catch::Contains("enabled"));
  }
  SECTION("a missing file") {
    auto c = load_kiosk_config("/nonexistent/kiosk.toml");
    CHECK(c.code() == ErrorCode::kNotFound);
    CHECK_THAT(c.message(), Catch::Contains("/nonexistent/kiosk.toml"));
  }
}

TEST_CASE("a hub address: https anywhere, plain http only to this machine unless the configuration says so",
          "[config]") {
  for (const char* ok : {"https://hub.example.org", "https://10.0.0.5:8443/", "http://127.0.0.1:8470",
                         "http://localhost:8470/", "http://[::1]:8470", "http://127.0.0.2"}) {
    INFO(ok);
    CHECK(check_hub_url(ok, false).ok());
  }
  for (const char* plain : {"http://hub.example.org", "http://10.0.0.5:8470", "http://127.0.0.1.evil.example/",
                            "http://localhost.example.org"}) {
    INFO(plain);
    auto refused = check_hub_url(plain, false);
    CHECK_FALSE(refused.ok());
    CHECK(refused.message().find("allow_plain_http") != std::string::npos);
    CHECK(check_hub_url(plain, true).ok());
  }
  CHECK_FALSE(check_hub_url("ftp://hub.example.org", true).ok());
}
