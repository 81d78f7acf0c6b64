// key show | history | rotate | verify (docs/api.md sections 6 and 8; issue 10).
#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "api/client.hpp"
#include "cloud/commands.hpp"
#include "cloud/data_answer.hpp"
#include "cloud/key_verify.hpp"
#include "cloud/level.hpp"
#include "cloud/output.hpp"
#include "cloud/project_key.hpp"
#include "cloud/rotation.hpp"
#include "cloud/session.hpp"
#include "core/error.hpp"
#include "core/export_format.hpp"
#include "core/text.hpp"

namespace dotenv_run {

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void put(Writer& w, std::string_view text) { w.String(text.data(), static_cast<rapidjson::SizeType>(text.size())); }

// A key version as JSON: never the key itself unless `reveal`; its fingerprint instead.
void write_key_version(Writer& w, const KeyVersion& entry, bool client_managed, bool with_dates, bool reveal) {
  w.StartObject();
  w.Key("mode");
  put(w, client_managed ? "client" : "server");
  w.Key("version");
  w.Uint(entry.version);
  if (with_dates) {
    w.Key("created_at");
    put(w, entry.created_at);
    w.Key("retired_at");
    if (entry.retired_at.empty()) {
      w.Null();
    } else {
      put(w, entry.retired_at);
    }
  }
  if (entry.key) {
    w.Key("fingerprint");
    put(w, key_fingerprint(*entry.key));
    if (reveal) {
      w.Key("key");
      std::string text = entry.key->to_base64();
      put(w, text);
      wipe(text);
    }
  }
  if (entry.proof) {
    w.Key("key_proof");
    w.StartObject();
    w.Key("algorithm");
    put(w, entry.proof->algorithm);
    w.Key("iterations");
    w.Uint64(entry.proof->iterations);
    w.Key("salt");
    put(w, entry.proof->salt_b64);
    w.Key("proof");
    put(w, entry.proof->proof_b64);
    w.EndObject();
  }
  w.EndObject();
}

void show(Session& session) {
  const std::string project = session.project();
  const bool reveal = session.line().reveal;
  const ProjectKey key = read_project_key(session.client(), session.org(), project, session.memory());
  if (reveal && key.client_managed) {
    throw Error(kExitUsage, fmt::format("project {} is client-managed: the server never has its key, so there is "
                                        "nothing to --reveal",
                                        project));
  }
  if (session.line().json) {
    rapidjson::StringBuffer buffer;
    Writer w(buffer);
    write_key_version(w, key.current, key.client_managed, false, reveal);
    std::string out(buffer.GetString(), buffer.GetSize());
    write_stdout(out + "\n");
    wipe(out);
    return;
  }
  std::vector<std::pair<std::string, std::string>> fields{
      {"project", project},
      {"mode", key.client_managed ? "client (you hold the key)" : "server"},
      {"version", std::to_string(key.current.version)}};
  if (key.current.key) fields.emplace_back("fingerprint", key_fingerprint(*key.current.key));
  if (key.current.proof) {
    fields.emplace_back("proof algorithm", sanitized(key.current.proof->algorithm));
    fields.emplace_back("proof iterations", std::to_string(key.current.proof->iterations));
    fields.emplace_back("proof salt", sanitized(key.current.proof->salt_b64));
    fields.emplace_back("proof", sanitized(key.current.proof->proof_b64));
  }
  std::string text = render_fields(fields);
  if (reveal && key.current.key) {
    std::string b64 = key.current.key->to_base64();
    text += fmt::format("key: {}\n", b64);
    wipe(b64);
  }
  write_stdout(text);
  wipe(text);
}

void history(Session& session) {
  const std::string project = session.project();
  const std::vector<KeyVersion> entries = read_key_history(session.client(), session.org(), project, session.memory());
  if (session.line().json) {
    rapidjson::StringBuffer buffer;
    Writer w(buffer);
    w.StartArray();
    for (const KeyVersion& entry : entries) write_key_version(w, entry, entry.proof.has_value(), true, false);
    w.EndArray();
    write_stdout(std::string(buffer.GetString(), buffer.GetSize()) + "\n");
    return;
  }
  std::vector<std::vector<std::string>> rows;
  for (const KeyVersion& entry : entries) {
    rows.push_back({std::to_string(entry.version), std::string(entry.retired_at.empty() ? "current" : "retired"),
                    sanitized(entry.created_at),
                    entry.retired_at.empty() ? std::string("-") : sanitized(entry.retired_at),
                    entry.key ? key_fingerprint(*entry.key) : std::string("-")});
  }
  write_stdout(render_table({"VERSION", "STATE", "CREATED", "RETIRED", "FINGERPRINT"}, rows));
}

void rotate_server_key(Session& session, const std::string& project, unsigned before) {
  if (session.line().new_key_file) {
    throw Error(kExitUsage, fmt::format("project {} is server-managed: the server makes the new key, so "
                                        "--new-key-file does not apply",
                                        project));
  }
  ApiRequest request;
  request.method = Method::kPost;
  request.path = project_path(session.org(), project) + "/key/rotate";
  request.subject = {"project " + project};
  // A lost answer: the key version says whether this rotation (or another one) happened.
  request.settle = [&]() -> std::optional<bool> {
    SecretArena mem(16 * 1024);
    return read_project_key(session.client(), session.org(), project, mem.resource()).current.version > before;
  };
  ApiResponse response = session.client().send(request, session.memory());
  if (response.settled) {
    const ProjectKey now = read_project_key(session.client(), session.org(), project, session.memory());
    write_stdout(fmt::format("project {}: the key is now version {}\n", project, now.current.version));
    return;
  }
  const DataAnswer answer(std::move(response), "POST " + request.path);
  if (session.line().json) return write_stdout(json_line(answer.data()));
  write_stdout(
      fmt::format("project {}: the key is now version {} ({} level{} re-sealed); backups stay under their "
                  "key versions and still restore\n",
                  project, cell(answer.data(), "version"), cell(answer.data(), "reencrypted_levels"),
                  cell(answer.data(), "reencrypted_levels") == "1" ? "" : "s"));
}

void rotate(Session& session) {
  const std::string project = session.project();
  const ProjectKey key = read_project_key(session.client(), session.org(), project, session.memory());
  if (key.client_managed) return rotate_client_key(session, project, key);
  rotate_server_key(session, project, key.current.version);
}

void verify(Session& session) {
  const std::string project = session.project();
  ApiClient& client = session.client();
  const ProjectKey key = read_project_key(client, session.org(), project, session.memory());
  KeyRing keys;
  if (key.client_managed) {
    SecretKey given = client_key(session.settings().key, project);
    if (!key_matches_proof(given, *key.current.proof)) {
      throw Error(kExitDataError, fmt::format("the key from {} is not the current key (version {}) of project {}",
                                              session.settings().key->source, key.current.version, project));
    }
    keys.add(key.current.version, std::move(given));
  } else {
    keys = project_keys(client, session.org(), project, std::nullopt, session.memory());  // every version
  }
  report_verification(verify_project(client, session.org(), project, keys), project, session.line().json);
}

constexpr Command kCommands[] = {
    {"key show", "[--reveal]", "show the project's key mode and version (-p)",
     "Shows the key of the project (--project): its mode and version; for a server-managed key its fingerprint "
     "(the key itself only with --reveal), for a client-managed one the proof parameters.",
     kOptionJson | kOptionReveal, 0, 0, show},
    {"key history", "", "list the project's key versions (-p)",
     "Lists the key versions of the project (--project), newest first, with when each was made and retired. Keys "
     "are never printed; server-managed ones by fingerprint.",
     kOptionJson, 0, 0, history},
    {"key rotate", "[--key-file OLD --new-key-file NEW]", "rotate the project's key (-p)",
     "Server-managed: the server makes key version N+1 and re-seals every level. Client-managed (--key-file OLD "
     "--new-key-file NEW): a new key is written to NEW (mode 0600; it must not exist), every level and every backup "
     "is re-encrypted with it here, and the result is verified. Run the same command again after any interruption: "
     "it reads from the server how far the rotation got and finishes it (NEW is reused). Backups OLD cannot open "
     "are named and left as they are. Exit 65 when something does not open at the end.",
     kOptionNewKeyFile, 0, 0, rotate},
    {"key verify", "", "open every level and backup with its key (-p)",
     "Opens every level and every backup version of the project (--project) with the key it needs (client-managed: "
     "--key-file) and names each one that does not open (exit 65). Run it before and after a rotation.",
     kOptionJson, 0, 0, verify},
};

}  // namespace

std::span<const Command> key_commands() { return kCommands; }

}  // namespace dotenv_run
