// The engine of every secrets write, over a fake level server that really seals and opens:
// conflicts re-read and re-apply the change, give up with 75, and nothing unreadable is sent.
#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "api/client.hpp"
#include "cloud/fake_level_server.hpp"
#include "cloud/level_change.hpp"
#include "core/dotenv.hpp"
#include "core/dotenv_edit.hpp"
#include "core/error.hpp"
#include "support/error_of.hpp"
#include "support/random_values.hpp"

using namespace dotenv_run;
using testing::FakeLevelServer;

namespace {

struct Harness {
  explicit Harness(bool client_managed = false) : server(client_managed) {
    settings.api_url = testing::kBase;
    settings.token = "tok-secret-123";
    settings.token_source = "DOTENV_CLOUD_TOKEN_FILE=/run/tok";
    if (client_managed) client_key = SecretSetting{SecretString(server.key.to_base64()), "--key-file"};
  }

  RetryEnvironment environment() {
    RetryEnvironment env;
    env.monotonic_now = [this] { return now; };
    env.sleep = [this](double s) {
      sleeps.push_back(s);
      now += s;
    };
    env.wall_now = [] { return std::time_t{784111770}; };
    env.uniform01 = [] { return 0.5; };
    return env;
  }

  ChangeResult apply(const LevelEdit& edit) {
    ApiClient client(copied_settings(settings), server, environment(), nullptr);
    LevelEditor editor(
        client, make_level_ref(testing::kOrg, "api", "web", "production"), client_key, environment(),
        [this](std::string_view line) { notices.emplace_back(line); }, arena.resource());
    return editor.apply(edit);
  }
  ChangeResult clear() {
    ApiClient client(copied_settings(settings), server, environment(), nullptr);
    LevelEditor editor(client, make_level_ref(testing::kOrg, "api", "web", "production"), client_key, environment(),
                       nullptr, arena.resource());
    return editor.clear();
  }

  SecretArena arena;
  FakeLevelServer server;
  ApiSettings settings;
  std::optional<SecretSetting> client_key;
  double now = 100;
  std::vector<double> sleeps;
  std::vector<std::string> notices;
};

// The change `secrets set NAME` makes: the value replaced in place, or appended.
LevelEdit set_edit(std::string name, std::string value) {
  return [name, value](std::string_view text, std::pmr::memory_resource* mem) -> std::optional<SecretString> {
    DotenvDocument doc(text, "level", mem);
    doc.set(name, value);
    return secret_copy(doc.text(), mem);
  };
}

std::map<std::string, std::string> variables_of(std::string_view text) {
  SecretArena arena;
  std::map<std::string, std::string> out;
  for (const Variable& v : parse_dotenv(text, "level", MapLookup{}, ParseOptions{true}, arena.resource()))
    out.emplace(v.name, v.value);
  return out;
}

}  // namespace

TEST_CASE("a set reads the level, seals the new text under the current key version and writes on its version") {
  Harness h;
  h.server.store("# keep me\nA=1\n");
  const ChangeResult r = h.apply(set_edit("B", "two"));
  CHECK(r.changed);
  CHECK(r.attempts == 1);
  CHECK(r.version == 2);
  CHECK(h.server.text() == "# keep me\nA=1\nB=two\n");
  REQUIRE(h.server.count(Method::kPut) == 1);
  const std::string& body = h.server.requests.back().body;
  CHECK(body.find(R"("project":"api","target":"web","environment":"production")") != std::string::npos);
  CHECK(body.find(R"("key_version":2,"base_version":1)") != std::string::npos);
  CHECK(body.find("key_proof") == std::string::npos);
  CHECK(body.find("two") == std::string::npos);
}

TEST_CASE("a level without a blob is written with base_version 0") {
  Harness h;
  const ChangeResult r = h.apply(set_edit("A", "1"));
  CHECK(r.changed);
  CHECK(h.server.text() == "A=1\n");
  CHECK(h.server.requests.back().body.find(R"("base_version":0)") != std::string::npos);
  CHECK(h.server.count(Method::kGet) == 2);  // the level, then the key it is sealed with
}

TEST_CASE("a change that changes nothing sends nothing") {
  Harness h;
  h.server.store("A=1\n");
  const ChangeResult r = h.apply(set_edit("A", "1"));
  CHECK_FALSE(r.changed);
  CHECK(r.attempts == 0);
  CHECK(r.version == 1);
  CHECK(h.server.count(Method::kPut) == 0);
}

TEST_CASE("a conflict reads the level again and re-applies the same change on the new text") {
  Harness h;
  h.server.store("A=1\n");
  h.server.before_write = [&](unsigned n) {
    if (n == 1) h.server.store("A=1\nOTHER=theirs\n");  // another client writes first
  };
  std::vector<std::string> seen;
  const ChangeResult r = h.apply([&](std::string_view text, std::pmr::memory_resource* mem) {
    seen.emplace_back(text);
    return set_edit("MINE", "ours")(text, mem);
  });
  CHECK(r.changed);
  CHECK(r.attempts == 2);
  CHECK(seen == std::vector<std::string>{"A=1\n", "A=1\nOTHER=theirs\n"});
  CHECK(h.server.text() == "A=1\nOTHER=theirs\nMINE=ours\n");
  CHECK(h.sleeps == std::vector<double>{0.1});  // half of the first window, 0.2 s
  REQUIRE(h.notices.size() == 1);
  CHECK(h.notices[0] ==
        "environment production of api/web was changed by someone else; reading it again in 0.1 s "
        "(attempt 2)");
}

TEST_CASE("a level that keeps changing gives up with 75 after five re-applications, with growing jittered waits") {
  Harness h;
  h.server.store("A=1\n");
  h.server.before_write = [&](unsigned n) { h.server.store("A=" + std::to_string(n + 1) + "\n"); };
  const std::string message = testing::error_of(kExitTempFail, [&] { h.apply(set_edit("B", "2")); });
  INFO(message);
  CHECK(
      message.starts_with("environment production of api/web kept changing: the write conflicted 6 times, "
                          "nothing was written (last: "));
  CHECK(message.find("409 version_conflict: The level is at version 7.") != std::string::npos);
  CHECK(h.server.count(Method::kPut) == 6);
  CHECK(h.sleeps == std::vector<double>{0.1, 0.2, 0.4, 0.8, 1.6});
  CHECK(h.server.text() == "A=7\n");  // the other client's last write stands
}

TEST_CASE("a key rotated between the level's read and the key's: the level is read again under the new key") {
  Harness h;
  h.server.store("A=1\n");
  bool rotated = false;
  h.server.after_level_read = [&] {
    if (!rotated) h.server.rotate();
    rotated = true;
  };
  const ChangeResult r = h.apply(set_edit("B", "two"));
  CHECK(r.changed);
  CHECK(h.server.key_version == 3);
  CHECK(h.server.text() == "A=1\nB=two\n");
  CHECK(h.server.requests.back().body.find(R"("key_version":3)") != std::string::npos);
}

TEST_CASE("a key rotated between the key's read and the write (422 key_version): fetched again and re-sealed") {
  Harness h;  // an empty level: the key is fetched just before sealing
  bool rotated = false;
  h.server.after_key_read = [&] {
    if (!rotated) h.server.rotate();
    rotated = true;
  };
  const ChangeResult r = h.apply(set_edit("B", "two"));
  CHECK(r.changed);
  CHECK(r.attempts == 2);
  CHECK(h.server.key_version == 3);
  CHECK(h.server.text() == "B=two\n");
  CHECK(h.server.requests.back().body.find(R"("key_version":3)") != std::string::npos);
}

TEST_CASE("a new text that does not parse is never sent") {
  Harness h;
  h.server.store("A=1\n");
  const std::string message = testing::error_of(kExitDataError, [&] {
    h.apply([](std::string_view, std::pmr::memory_resource* mem) { return secret_copy("A=1\nB=\"open\n", mem); });
  });
  CHECK(message == "level environment production: line 2: B: unterminated double quote");
  CHECK(h.server.count(Method::kPut) == 0);
  CHECK(h.server.text() == "A=1\n");
}

TEST_CASE("a malformed ${...} is refused too, but a ${NAME:?} another level may set is not") {
  Harness h;
  CHECK(testing::error_of(kExitDataError, [&] {
          h.apply([](std::string_view, std::pmr::memory_resource* mem) { return secret_copy("A=${B\n", mem); });
        }).starts_with("level environment production: line 1: "));
  CHECK(h.server.count(Method::kPut) == 0);
  CHECK(h.apply([](std::string_view, std::pmr::memory_resource* mem) {
           return secret_copy("URL=${HOST:?set HOST in the project}\n", mem);
         }).changed);
}

TEST_CASE("an answer lost after the write is settled by reading back: one write, no duplicate, no error") {
  Harness h;
  h.server.store("A=1\n");
  h.server.lost_answers = 1;
  const ChangeResult r = h.apply(set_edit("B", "2"));
  CHECK(r.changed);
  CHECK(r.version == 2);
  CHECK(h.server.count(Method::kPut) == 1);
  CHECK(h.server.text() == "A=1\nB=2\n");
}

TEST_CASE("client-managed: the key proof travels with the write") {
  Harness h(true);
  h.server.store("A=1\n");
  CHECK(h.apply(set_edit("B", "2")).changed);
  CHECK(h.server.requests.back().body.find(R"("key_proof":")" + h.server.proof.proof_b64 + "\"") != std::string::npos);
}

TEST_CASE("client-managed: a wrong key is refused before anything is opened or sent") {
  Harness h(true);
  h.server.store("A=1\n");
  h.client_key = SecretSetting{SecretString(SecretKey::generate().to_base64()), "DOTENV_CLOUD_KEY_FILE=/k"};
  bool edited = false;
  const std::string message = testing::error_of(kExitDataError, [&] {
    h.apply([&](std::string_view, std::pmr::memory_resource* mem) {
      edited = true;
      return secret_copy("", mem);
    });
  });
  CHECK(message ==
        "the project key from DOTENV_CLOUD_KEY_FILE=/k does not match project api: nothing was read or "
        "written");
  CHECK_FALSE(edited);
  CHECK(h.server.count(Method::kPut) == 0);
}

TEST_CASE("client-managed: an empty level still checks the key before the first write") {
  Harness h(true);
  h.client_key.reset();
  CHECK(testing::error_of(kExitConfig, [&] {
          h.apply(set_edit("A", "1"));
        }).starts_with("project api is client-managed: give its key with --key-file"));
  CHECK(h.server.count(Method::kPut) == 0);
}

TEST_CASE("clear deletes on the version read, re-reads on a conflict, and does nothing to an empty level") {
  Harness h;
  CHECK_FALSE(h.clear().changed);
  CHECK(h.server.count(Method::kDelete) == 0);
  h.server.store("A=1\n");
  h.server.before_write = [&](unsigned n) {
    if (n == 1) h.server.store("A=2\n");
  };
  const ChangeResult r = h.clear();
  CHECK(r.changed);
  CHECK(r.attempts == 2);
  CHECK(h.server.text().empty());
  CHECK(h.server.requests.back().body.find(R"("base_version":2)") != std::string::npos);
}

TEST_CASE("property: thousands of random values set through the engine read back identical from the stored level") {
  Harness h;
  h.server.store("# seeded\nKEEP='kept'\n");
  testing::RandomValues random(testing::property_seed());
  std::map<std::string, std::string> expected{{"KEEP", "kept"}};
  // 2000 values in writes of 20 sets each (a write per value would re-parse the growing level
  // thousands of times); names repeat, so values are replaced in place as well as appended.
  for (int write = 0; write < 100; ++write) {
    std::vector<std::pair<std::string, std::string>> batch;
    for (int i = 0; i < 20; ++i) {
      batch.emplace_back("V" + std::to_string(random.below(2000)), random.one_in(3) ? random.tricky() : random.value());
    }
    h.apply([&batch](std::string_view text, std::pmr::memory_resource* mem) -> std::optional<SecretString> {
      DotenvDocument doc(text, "level", mem);
      for (const auto& [name, value] : batch) doc.set(name, value);
      return secret_copy(doc.text(), mem);
    });
    for (const auto& [name, value] : batch) expected[name] = value;
    h.arena.release();
  }
  INFO("seed ", testing::property_seed());
  const auto stored = variables_of(h.server.text());
  CHECK(stored.size() == expected.size());
  for (const auto& [name, value] : expected) {
    auto it = stored.find(name);
    REQUIRE_MESSAGE(it != stored.end(), name);
    CHECK_MESSAGE(it->second == value, name);
  }
  CHECK(h.server.text().starts_with("# seeded\nKEEP='kept'\n"));
}
