// versions list | show | diff | restore | delete | purge (docs/api.md section 6, "Backup versions").
#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "api/client.hpp"
#include "cloud/commands.hpp"
#include "cloud/confirm.hpp"
#include "cloud/data_answer.hpp"
#include "cloud/env_diff.hpp"
#include "cloud/output.hpp"
#include "cloud/project_key.hpp"
#include "cloud/project_levels.hpp"
#include "cloud/session.hpp"
#include "cloud/show.hpp"
#include "core/dotenv.hpp"
#include "core/error.hpp"
#include "core/export_format.hpp"
#include "core/lookup.hpp"
#include "core/text.hpp"

namespace dotenv_run {

namespace {

std::string versions_path(const Session& session) { return backups_path(session.org()); }

std::string version_path(const Session& session, const std::string& id) {
  return fmt::format("{}/{}", versions_path(session), url_escaped(id));
}

// The ID argument: a ULID is 26 characters of Crockford base32; anything else cannot be one.
std::string id_argument(const Session& session, std::size_t index) {
  const std::string& id = session.args()[index];
  const bool ok = id.size() == 26 &&
                  id.find_first_not_of("0123456789ABCDEFGHJKMNPQRSTVWXYZabcdefghjkmnpqrstvwxyz") == std::string::npos;
  if (!ok)
    throw Error(kExitUsage, fmt::format("'{}' is not a version id (a ULID, as versions list shows)", sanitized(id)));
  return id;
}

void refuse_json_with_reveal(const Session& session, std::string_view command) {
  if (session.line().json && session.line().reveal) {
    throw Error(kExitUsage, fmt::format("{}: --json never carries values; use --reveal or --json, not both", command));
  }
}

void list(Session& session) {
  const LevelRef level = level_of(session);
  print_list(session, fmt::format("{}?{}", versions_path(session), level.query()), {level.name()},
             {{"ID", "id"},
              {"VERSION", "version"},
              {"KEY VERSION", "key_version"},
              {"UPDATED", "updated_at"},
              {"SAVED", "created_at"}});
}

void show(Session& session) {
  refuse_json_with_reveal(session, "versions show");
  const std::string id = id_argument(session, 0);
  if (session.line().reveal) {
    const Backup backup = read_backup(session.client(), session.org(), id, session.memory());
    const KeyRing keys =
        project_keys(session.client(), session.org(), backup.ref.project, session.settings().key, session.memory());
    const SecretString text = keys.open(*backup.blob, session.org(), backup.level_id, backup.name(), session.memory());
    return write_stdout(text);
  }
  ApiRequest request;
  request.path = version_path(session, id);
  request.subject = {fmt::format("version {}", id)};
  const DataAnswer answer(session.client().send(request, session.memory()), "GET " + request.path);
  const rapidjson::Value& data = answer.data();
  if (!data.IsObject()) malformed_answer("GET " + request.path, "\"data\" is not an object");
  if (session.line().json) {  // the API's data without the blob: ciphertext is nobody's business
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    w.StartObject();
    for (auto it = data.MemberBegin(); it != data.MemberEnd(); ++it) {
      if (std::string_view(it->name.GetString(), it->name.GetStringLength()) == "blob") continue;
      it->name.Accept(w);
      it->value.Accept(w);
    }
    w.EndObject();
    return write_stdout(std::string(buffer.GetString(), buffer.GetSize()) + "\n");
  }
  print_object(session, data,
               {{"id", "id"},
                {"level", "level"},
                {"project", "project"},
                {"target", "target"},
                {"environment", "environment"},
                {"version", "version"},
                {"key version", "key_version"},
                {"updated", "updated_at"},
                {"saved", "created_at"}});
}

void diff(Session& session) {
  refuse_json_with_reveal(session, "versions diff");
  ApiClient& client = session.client();
  const Backup left = read_backup(client, session.org(), id_argument(session, 0), session.memory());
  std::optional<Backup> right_backup;
  std::optional<LevelState> right_level;
  if (session.args().size() > 1) {
    right_backup = read_backup(client, session.org(), id_argument(session, 1), session.memory());
    if (right_backup->ref.project != left.ref.project) {
      throw Error(kExitUsage, "versions diff compares versions of one project");
    }
  } else {
    right_level = read_level(client, left.ref, session.memory());
  }
  const KeyRing keys = project_keys(client, session.org(), left.ref.project, session.settings().key, session.memory());
  const SecretString before = keys.open(*left.blob, session.org(), left.level_id, left.name(), session.memory());
  SecretString after(session.memory());
  std::string right_name;
  if (right_backup) {
    after =
        keys.open(*right_backup->blob, session.org(), right_backup->level_id, right_backup->name(), session.memory());
    right_name = right_backup->name();
  } else {
    right_name = "the current " + left.ref.name();
    if (right_level->blob)
      after =
          keys.open(*right_level->blob, session.org(), right_level->id, "level " + left.ref.name(), session.memory());
  }
  const MapLookup nothing;
  const ParseOptions verbatim{.expand = false};
  const Variables a = parse_dotenv(before, left.name(), nothing, verbatim, session.memory());
  const Variables b = parse_dotenv(after, right_name, nothing, verbatim, session.memory());
  const std::vector<EnvChange> changes = diff_variables(a, b);

  if (session.line().json) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    w.StartObject();
    for (auto [kind, key] : {std::pair{EnvChange::kAdded, "added"}, std::pair{EnvChange::kRemoved, "removed"},
                             std::pair{EnvChange::kChanged, "changed"}}) {
      w.Key(key);
      w.StartArray();
      for (const EnvChange& change : changes) {
        if (change.kind == kind) w.String(change.name.c_str(), static_cast<rapidjson::SizeType>(change.name.size()));
      }
      w.EndArray();
    }
    w.EndObject();
    return write_stdout(std::string(buffer.GetString(), buffer.GetSize()) + "\n");
  }
  const bool reveal = session.line().reveal;
  std::string out = fmt::format("--- {}\n+++ {}\n", left.name(), right_name);
  for (const EnvChange& change : changes) {
    const std::string name = sanitized(change.name);
    switch (change.kind) {
      case EnvChange::kAdded:
        out += reveal ? fmt::format("+ {}={}\n", name, quoted_for_terminal(change.after->value)) : "+ " + name + "\n";
        break;
      case EnvChange::kRemoved:
        out += reveal ? fmt::format("- {}={}\n", name, quoted_for_terminal(change.before->value)) : "- " + name + "\n";
        break;
      case EnvChange::kChanged:
        out += reveal ? fmt::format("~ {}={} -> {}\n", name, quoted_for_terminal(change.before->value),
                                    quoted_for_terminal(change.after->value))
                      : "~ " + name + "\n";
        break;
    }
  }
  if (changes.empty()) out += "no names added, removed or changed\n";
  write_stdout(out);
  wipe(out);
}

void restore(Session& session) {
  ApiClient& client = session.client();
  const std::string id = id_argument(session, 0);
  const Backup backup = read_backup(client, session.org(), id, session.memory());
  const LevelState level = read_level(client, backup.ref, session.memory());
  const std::string body = fmt::format("{{\"base_version\":{}}}", level.base_version());
  ApiRequest request;
  request.method = Method::kPost;
  request.path = version_path(session, id) + "/restore";
  request.json_body = body;
  request.subject = {backup.name()};
  // A lost answer: still at the version read means not applied; one write later with the backup's
  // blob means applied; anything else cannot be told apart from someone else's write.
  request.settle = [&]() -> std::optional<bool> {
    SecretArena mem(16 * 1024);
    const LevelState now = read_level(client, backup.ref, mem.resource());
    if (now.base_version() == level.base_version()) return false;
    if (now.base_version() == level.base_version() + 1 && now.blob == backup.blob) return true;
    return std::nullopt;
  };
  ApiResponse response = client.send(request, session.memory());
  std::string version;
  if (response.settled) {  // the answer was lost; the level as read back says where it is
    version = std::to_string(read_level(client, backup.ref, session.memory()).base_version());
  } else {
    const DataAnswer answer(std::move(response), "POST " + request.path);
    if (session.line().json) return write_stdout(json_line(answer.data()));
    version = cell(answer.data(), "version");
  }
  write_stdout(fmt::format("restored {}: {} is now at version {}\n", backup.name(), backup.ref.name(), version));
}

void remove(Session& session) {
  const std::string id = id_argument(session, 0);
  confirm(fmt::format("Delete backup version {}?", id), fmt::format("deleting version {}", id), session.line().yes);
  ApiRequest request;
  request.method = Method::kDelete;
  request.path = version_path(session, id);
  request.subject = {fmt::format("version {}", id)};
  session.client().send(request, session.memory());
  write_stdout(fmt::format("deleted backup version {}\n", id));
}

void purge(Session& session) {
  const LevelRef level = level_of(session);
  confirm(fmt::format("Delete every backup version of {}?", level.name()),
          fmt::format("purging the backups of {}", level.name()), session.line().yes);
  ApiRequest request;
  request.method = Method::kDelete;
  request.path = fmt::format("{}?{}", versions_path(session), level.query());
  request.subject = {level.name()};
  session.client().send(request, session.memory());
  write_stdout(fmt::format("deleted every backup version of {}\n", level.name()));
}

constexpr Command kCommands[] = {
    {"versions list", "", "list a level's backup versions (-p [-t [-e]])",
     "Lists the backup versions of one level, the deepest of --project, --target and --environment, newest first: "
     "id, level version, key version, when that blob was written and when it was saved.",
     kOptionJson | kOptionLimit, 0, 0, list},
    {"versions show", "ID [--reveal]", "show one backup version",
     "Shows the backup version ID. With --reveal, prints its decrypted .env instead (client-managed: --key-file "
     "with the key it was sealed with).",
     kOptionJson | kOptionReveal, 1, 1, show},
    {"versions diff", "ID [ID2]", "names changed since a backup version",
     "Names the variables added (+), removed (-) and changed (~) from the backup version ID to its level's current "
     "blob, or to the backup version ID2. Values only with --reveal.",
     kOptionJson | kOptionReveal, 1, 2, diff},
    {"versions restore", "ID", "make a backup version current again",
     "Makes the backup version ID its level's blob again, as a new write, on condition that the level is still at "
     "the version just read (exit 75 when it changed meanwhile: look, then run again). The blob it replaces is saved "
     "as a backup.",
     kOptionJson, 1, 1, restore},
    {"versions delete", "ID", "delete one backup version",
     "Deletes the backup version ID. Asks first on a terminal; elsewhere needs --yes.", kOptionYes, 1, 1, remove},
    {"versions purge", "", "delete a level's backup versions (-p [-t [-e]])",
     "Deletes every backup version of one level, the deepest of --project, --target and --environment. Asks first "
     "on a terminal; elsewhere needs --yes.",
     kOptionYes, 0, 0, purge},
};

}  // namespace

std::span<const Command> versions_commands() { return kCommands; }

}  // namespace dotenv_run
