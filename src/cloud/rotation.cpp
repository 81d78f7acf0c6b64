// Client-managed rotation. The state lives on the server only: the key version and proof say
// whether the levels are under OLD or NEW, key/retired-versions says which backups are left.
#include "cloud/rotation.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "api/api_error.hpp"
#include "api/client.hpp"
#include "cloud/key_verify.hpp"
#include "cloud/new_key_file.hpp"
#include "cloud/progress.hpp"
#include "cloud/project_key.hpp"
#include "cloud/project_levels.hpp"
#include "cloud/session.hpp"
#include "core/blob.hpp"
#include "core/error.hpp"
#include "core/export_format.hpp"
#include "core/secret_file.hpp"
#include "core/sodium.hpp"
#include "core/text.hpp"

namespace dotenv_run {

namespace {

constexpr unsigned kAttempts = 5;
constexpr std::size_t kBatchItems = 50;
constexpr std::size_t kBatchBytes = 4 * 1024 * 1024;  // well under the API's 8 MiB request body

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void put(Writer& w, std::string_view text) { w.String(text.data(), static_cast<rapidjson::SizeType>(text.size())); }

struct Rotation {
  Session& session;
  ApiClient& client;
  std::string org, project, new_path;
};

// A short random pause before reading again after a conflict, so two clients do not meet again.
void jitter() {
  ensure_sodium();
  std::this_thread::sleep_for(std::chrono::milliseconds(50 + randombytes_uniform(250)));
}

// The final answer of send_raw as the error it is.
Error refused(const ApiResponse& response, const Rotation& r, std::pmr::memory_resource* mem) {
  HttpResponse http(mem);
  http.status = response.status;
  http.body = response.body;
  http.request_id = response.request_id;
  return api_error(http, r.client.settings(), "project " + r.project);
}

ErrorFields fields_of(const ApiResponse& response, std::pmr::memory_resource* mem) {
  HttpResponse http(mem);
  http.status = response.status;
  http.body = response.body;
  return error_fields(http);
}

bool exists(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) return true;
  if (errno == ENOENT) return false;
  throw Error(kExitConfig, fmt::format("--new-key-file {}: {}", sanitized(path), std::strerror(errno)));
}

// NEW as it is on disk: owner-only, not a symlink (read_secret_file checks by descriptor), a key.
SecretKey read_new_key(const std::string& path, std::pmr::memory_resource* mem) {
  const SecretString text = read_secret_file(path, "--new-key-file", mem);
  try {
    return SecretKey::from_base64(text, fmt::format("--new-key-file {}", sanitized(path)));
  } catch (const Error& e) {
    throw Error(kExitConfig, e.what());
  }
}

// Step 1: NEW, written and on disk before anything is sealed with it.
SecretKey create_new_key(const std::string& path) {
  NewKeyFile file(path);
  return file.write_new_key();  // synced with its directory
}

// Steps 2 and 3. Returns the new key version's proof string.
std::string reencrypt_levels(const Rotation& r, const SecretKey& old_key, const SecretKey& new_key,
                             const KeyVersion& current) {
  const unsigned next = current.version + 1;
  const KeyProof new_proof = make_key_proof(new_key);
  const std::string path = project_path(r.org, r.project) + "/key/reencrypt";
  for (unsigned attempt = 1; attempt <= kAttempts; ++attempt) {
    SecretArena scratch;
    const std::vector<LevelRef> refs = project_levels(r.client, r.org, r.project, scratch.resource());
    rapidjson::StringBuffer buffer;
    Writer w(buffer);
    w.StartObject();
    w.Key("key_version");
    w.Uint(next);
    w.Key("key_proof");
    put(w, current.proof->proof_b64);
    w.Key("new_key_proof");
    w.StartObject();
    w.Key("algorithm");
    put(w, new_proof.algorithm);
    w.Key("iterations");
    w.Uint64(new_proof.iterations);
    w.Key("salt");
    put(w, new_proof.salt_b64);
    w.Key("proof");
    put(w, new_proof.proof_b64);
    w.EndObject();
    w.Key("levels");
    w.StartArray();
    std::size_t sealed = 0;
    {
      Progress progress("re-encrypting levels");
      for (std::size_t i = 0; i < refs.size(); ++i) {
        progress.update(i, refs.size());
        const LevelState level = read_level(r.client, refs[i], scratch.resource());
        if (!level.blob) continue;
        SecretArena plain(4096);
        const SecretString text = open_level(level, refs[i], old_key, current.version, plain.resource());
        const std::string blob =
            seal_checked(text, new_key, next, r.org, level.id, "level " + refs[i].name(), plain.resource());
        w.StartObject();
        w.Key("id");
        put(w, level.id);
        w.Key("blob");
        put(w, blob);
        w.Key("base_version");
        w.Uint64(level.base_version());
        w.EndObject();
        ++sealed;
      }
      progress.update(refs.size(), refs.size());
    }
    w.EndArray();
    w.EndObject();

    ApiRequest request;
    request.method = Method::kPost;
    request.path = path;
    request.json_body = std::string_view(buffer.GetString(), buffer.GetSize());
    request.subject = {"project " + r.project};
    // A lost answer: the key says whether the swap happened (NEW's proof) or not (still OLD's).
    request.settle = [&]() -> std::optional<bool> {
      SecretArena mem(16 * 1024);
      const ProjectKey now = read_project_key(r.client, r.org, r.project, mem.resource());
      if (!now.current.proof) return std::nullopt;
      if (now.current.version == next && now.current.proof->proof_b64 == new_proof.proof_b64) return true;
      if (now.current.version == current.version && now.current.proof->proof_b64 == current.proof->proof_b64) {
        return false;
      }
      return std::nullopt;
    };
    const ApiResponse response = r.client.send_raw(request, scratch.resource());
    if (response.settled || (response.status >= 200 && response.status < 300)) {
      write_stdout(fmt::format("project {}: {} level{} re-encrypted under key version {}\n", r.project, sealed,
                               sealed == 1 ? "" : "s", next));
      return new_proof.proof_b64;
    }
    const ErrorFields fields = fields_of(response, scratch.resource());
    const bool changed = (response.status == 409 && fields.error == "version_conflict") ||
                         (response.status == 422 && fields.first_field == "levels");
    if (!changed) throw refused(response, r, scratch.resource());
    r.session.notice(
        fmt::format("project {}: a level changed during the rotation; reading the levels again "
                    "(attempt {} of {})",
                    r.project, attempt + 1, kAttempts));
    if (attempt < kAttempts) jitter();
  }
  throw Error(kExitTempFail, fmt::format("project {}: the levels kept changing during the rotation ({} attempts); "
                                         "nothing was re-encrypted: run the command again",
                                         r.project, kAttempts));
}

struct BackupWork {
  std::vector<std::pair<std::string, std::string>> items;  // id, new blob
  std::vector<std::string> left;                           // backups left as they are, with why
};

// Step 4, one pass: what to re-seal and what to leave, from the retired backups as listed now.
BackupWork plan_backups(const std::vector<Backup>& retired, unsigned old_version, const SecretKey* old_key,
                        const SecretKey& new_key, unsigned current) {
  BackupWork work;
  Progress progress("re-encrypting backups");
  for (std::size_t i = 0; i < retired.size(); ++i) {
    progress.update(i, retired.size());
    const Backup& b = retired[i];
    if (b.key_version != old_version || old_key == nullptr) {
      work.left.push_back(
          fmt::format("{} is under key version {}, not the old key's {}", b.name(), b.key_version, old_version));
      continue;
    }
    SecretArena plain(4096);
    SecretString text(plain.resource());
    try {
      text = open_blob(*b.blob, *old_key, b.ref.org, b.level_id, b.name(), plain.resource());
    } catch (const Error& e) {
      if (e.code() != kExitDataError) throw;
      work.left.push_back(fmt::format("{} (the old key does not open it)", e.what()));
      continue;
    }
    work.items.emplace_back(b.id,
                            seal_checked(text, new_key, current, b.ref.org, b.level_id, b.name(), plain.resource()));
  }
  progress.update(retired.size(), retired.size());
  return work;
}

// POSTs one batch. True when applied; false when the list changed under us (read it again).
bool post_batch(const Rotation& r, const std::vector<std::pair<std::string, std::string>>& batch, unsigned current,
                const std::string& proof) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("versions");
  w.StartArray();
  for (const auto& [id, blob] : batch) {
    w.StartObject();
    w.Key("id");
    put(w, id);
    w.Key("blob");
    put(w, blob);
    w.Key("key_version");
    w.Uint(current);
    w.EndObject();
  }
  w.EndArray();
  w.Key("key_proof");
  put(w, proof);
  w.EndObject();
  SecretArena scratch;
  ApiRequest request;
  request.method = Method::kPost;
  request.path = project_path(r.org, r.project) + "/key/retired-versions";
  request.json_body = std::string_view(buffer.GetString(), buffer.GetSize());
  request.subject = {"project " + r.project};
  // A lost answer: the batch was applied when none of its backups is still under a retired key.
  request.settle = [&]() -> std::optional<bool> {
    SecretArena mem;
    std::set<std::string> still;
    for (const Backup& b : retired_backups(r.client, r.org, r.project, mem.resource())) still.insert(b.id);
    std::size_t listed = 0;
    for (const auto& item : batch) listed += still.count(item.first);
    if (listed == 0) return true;
    if (listed == batch.size()) return false;
    return std::nullopt;
  };
  const ApiResponse response = r.client.send_raw(request, scratch.resource());
  if (response.settled || (response.status >= 200 && response.status < 300)) return true;
  const ErrorFields fields = fields_of(response, scratch.resource());
  if (response.status == 422 && fields.first_field.starts_with("versions.")) return false;
  throw refused(response, r, scratch.resource());
}

// Step 4 with its retries. `old_key` may be null when no backup needs it. Returns the lines of the
// backups left as they are.
std::vector<std::string> reencrypt_backups(const Rotation& r, const SecretKey* old_key, const SecretKey& new_key,
                                           unsigned current, const std::string& proof) {
  std::size_t done = 0;
  for (unsigned attempt = 1; attempt <= kAttempts; ++attempt) {
    SecretArena scratch;
    const std::vector<Backup> retired = retired_backups(r.client, r.org, r.project, scratch.resource());
    const BackupWork work = plan_backups(retired, current - 1, old_key, new_key, current);
    bool changed = false;
    std::size_t start = 0;
    while (start < work.items.size() && !changed) {
      std::size_t end = start, bytes = 0;
      while (end < work.items.size() && end - start < kBatchItems &&
             (end == start || bytes + work.items[end].second.size() <= kBatchBytes)) {
        bytes += work.items[end++].second.size();
      }
      const std::vector<std::pair<std::string, std::string>> batch(
          work.items.begin() + static_cast<std::ptrdiff_t>(start),
          work.items.begin() + static_cast<std::ptrdiff_t>(end));
      if (post_batch(r, batch, current, proof)) {
        done += batch.size();
        start = end;
      } else {
        changed = true;
      }
    }
    if (!changed) {
      if (done > 0) {
        write_stdout(fmt::format("project {}: {} backup{} re-encrypted under key version {}\n", r.project, done,
                                 done == 1 ? "" : "s", current));
      }
      return work.left;
    }
    r.session.notice(
        fmt::format("project {}: the backups changed during the rotation; reading them again "
                    "(attempt {} of {})",
                    r.project, attempt + 1, kAttempts));
    if (attempt < kAttempts) jitter();
  }
  throw Error(kExitTempFail, fmt::format("project {}: the backups kept changing during the rotation ({} attempts): "
                                         "run the command again",
                                         r.project, kAttempts));
}

// Does any retired backup still need OLD (is under the version just before the current one)?
bool backups_need_old(const Rotation& r, unsigned current) {
  SecretArena scratch;
  for (const Backup& b : retired_backups(r.client, r.org, r.project, scratch.resource())) {
    if (b.key_version == current - 1) return true;
  }
  return false;
}

// OLD, checked against the proof of `version` in the key history.
SecretKey old_key_for(const Rotation& r, unsigned version) {
  SecretKey old = client_key(r.session.settings().key, r.project);
  SecretArena scratch;
  for (const KeyVersion& entry : read_key_history(r.client, r.org, r.project, scratch.resource())) {
    if (entry.version == version && entry.proof) {
      if (key_matches_proof(old, *entry.proof)) return old;
      break;
    }
  }
  throw Error(kExitDataError, fmt::format("the key from {} is not key version {} of project {}, under which some "
                                          "backups still are; nothing was changed",
                                          r.session.settings().key->source, version, r.project));
}

// Steps 4 and 5, from a project whose levels are under NEW (key version `current`).
void finish(const Rotation& r, const SecretKey* old_key, const SecretKey& new_key, unsigned current,
            const std::string& proof) {
  std::optional<SecretKey> loaded;
  if (old_key == nullptr && backups_need_old(r, current)) {
    loaded = old_key_for(r, current - 1);
    old_key = &*loaded;
  }
  const std::vector<std::string> left = reencrypt_backups(r, old_key, new_key, current, proof);
  for (const std::string& line : left) write_stdout(fmt::format("left as it is: {}\n", line));
  write_stdout(
      fmt::format("project {}: everything the old key opened is now under key version {} (the key in {}); "
                  "the old key is no longer needed and can be destroyed\n",
                  r.project, current, sanitized(r.new_path)));
  KeyRing keys;
  SecretArena scratch;
  keys.add(current, read_new_key(r.new_path, scratch.resource()));
  report_verification(verify_project(r.client, r.org, r.project, keys), r.project, false);
}

}  // namespace

void rotate_client_key(Session& session, const std::string& project, const ProjectKey& key) {
  const std::optional<std::string>& new_path = session.line().new_key_file;
  if (!new_path) {
    throw Error(kExitUsage,
                "a client-managed key is rotated with --key-file OLD --new-key-file NEW (see dotenv-cloud "
                "help key rotate)");
  }
  Rotation r{session, session.client(), session.org(), project, *new_path};
  SecretArena arena;
  const KeyVersion& current = key.current;

  // Where are we? NEW's proof on the server: the levels are done (step 3 happened).
  std::optional<SecretKey> new_key;
  std::optional<Error> new_problem;
  if (exists(r.new_path)) {
    try {
      new_key = read_new_key(r.new_path, arena.resource());
    } catch (const Error& e) {
      new_problem = e;
    }
  }
  if (new_key && session.settings().key && same_key(client_key(session.settings().key, project), *new_key)) {
    throw Error(kExitUsage, "--key-file and --new-key-file hold the same key; the new key must be a new one");
  }
  if (new_key && key_matches_proof(*new_key, *current.proof)) {
    if (!backups_need_old(r, current.version)) {
      write_stdout(
          fmt::format("project {}: the rotation is already done: the levels are under key version {} (the "
                      "key in {})\n",
                      project, current.version, sanitized(r.new_path)));
    }
    return finish(r, nullptr, *new_key, current.version, current.proof->proof_b64);
  }

  SecretKey old_key = client_key(session.settings().key, project);
  if (!key_matches_proof(old_key, *current.proof)) {
    throw Error(kExitDataError,
                fmt::format("the key from {} is not the current key (version {}) of project {}{}; nothing was changed",
                            session.settings().key->source, current.version, project,
                            new_key ? fmt::format(", and neither is the key in {}", sanitized(r.new_path)) : ""));
  }
  if (new_problem) {
    throw Error(kExitConfig, fmt::format("{}; the project is still under the old key, so nothing needs that file: move "
                                         "it away and run the command again",
                                         new_problem->what()));
  }
  if (new_key) {
    session.notice(
        fmt::format("resuming the rotation of project {} with the key in {}", project, sanitized(r.new_path)));
  } else {
    new_key = create_new_key(r.new_path);
    write_stdout(
        fmt::format("project {}: wrote a new key to {} (mode 0600); keep it safe\n", project, sanitized(r.new_path)));
  }
  const std::string proof = reencrypt_levels(r, old_key, *new_key, current);
  finish(r, &old_key, *new_key, current.version + 1, proof);
}

}  // namespace dotenv_run
