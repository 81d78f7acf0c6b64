// Walking a project's levels and reading their blobs and backups.
#include "cloud/project_levels.hpp"

#include <algorithm>
#include <cctype>
#include <limits>

#include <fmt/format.h>

#include "api/client.hpp"
#include "api/resolve.hpp"
#include "cloud/data_answer.hpp"
#include "cloud/pages.hpp"
#include "cloud/session.hpp"
#include "core/error.hpp"
#include "core/text.hpp"

namespace dotenv_run {

namespace {

const rapidjson::Value* member(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(name);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

std::string string_field(const rapidjson::Value& object, const char* name, const std::string& what) {
  const rapidjson::Value* v = member(object, name);
  if (v == nullptr || !v->IsString()) malformed_answer(what, fmt::format("\"{}\" is not a string", name));
  return {v->GetString(), v->GetStringLength()};
}

// A slug field of a backup: a string, or null above the level.
std::string optional_slug(const rapidjson::Value& object, const char* name, const std::string& what) {
  const rapidjson::Value* v = member(object, name);
  if (v == nullptr || v->IsNull()) return {};
  if (!v->IsString()) malformed_answer(what, fmt::format("\"{}\" is not a string", name));
  return {v->GetString(), v->GetStringLength()};
}

std::uint64_t number_field(const rapidjson::Value& object, const char* name, const std::string& what) {
  const rapidjson::Value* v = member(object, name);
  if (v == nullptr || !v->IsUint64()) malformed_answer(what, fmt::format("\"{}\" is not a whole number", name));
  return v->GetUint64();
}

unsigned key_version_field(const rapidjson::Value& object, const std::string& what) {
  const std::uint64_t v = number_field(object, "key_version", what);
  if (v < 1 || v > std::numeric_limits<unsigned>::max()) malformed_answer(what, "\"key_version\" is out of range");
  return static_cast<unsigned>(v);
}

std::optional<std::string> blob_field(const rapidjson::Value& object, const std::string& what) {
  const rapidjson::Value* v = member(object, "blob");
  if (v == nullptr || v->IsNull()) return std::nullopt;
  if (!v->IsString()) malformed_answer(what, "\"blob\" is not a string");
  return std::string(v->GetString(), v->GetStringLength());
}

std::vector<std::string> slugs(ApiClient& client, const std::string& path, const std::string& subject,
                               std::pmr::memory_resource* mem) {
  std::vector<std::string> out;
  for_each_item(client, path, {subject}, std::nullopt, mem, [&](const rapidjson::Value& item) {
    std::string slug = string_field(item, "slug", "GET " + path);
    check_slug("slug", slug);  // it becomes part of a path
    out.push_back(std::move(slug));
  });
  return out;
}

}  // namespace

std::string LevelRef::name() const {
  if (target.empty()) return fmt::format("project {}", project);
  if (environment.empty()) return fmt::format("target {} of {}", target, project);
  return fmt::format("environment {} of {}/{}", environment, project, target);
}

std::string LevelRef::secrets_path(const std::string& org) const {
  std::string path = fmt::format("/api/v1/{}/{}", url_escaped(org), url_escaped(project));
  if (!target.empty()) path += "/" + url_escaped(target);
  if (!environment.empty()) path += "/" + url_escaped(environment);
  return path + "/secrets";
}

std::string LevelRef::query() const {
  std::string query = "project=" + url_escaped(project);
  if (!target.empty()) query += "&target=" + url_escaped(target);
  if (!environment.empty()) query += "&environment=" + url_escaped(environment);
  return query;
}

LevelRef level_of(const Session& session) {
  LevelRef ref;
  ref.project = session.project();
  const Settings& settings = session.settings();
  if (settings.target) ref.target = session.target();
  if (settings.environment) {
    if (ref.target.empty()) throw Error(kExitConfig, "an environment needs a target (--target)");
    check_slug("environment", settings.environment->value);
    ref.environment = settings.environment->value;
  }
  return ref;
}

LevelBlob read_level(ApiClient& client, const std::string& org, const LevelRef& ref, std::pmr::memory_resource* mem) {
  ApiRequest request;
  request.path = ref.secrets_path(org);
  request.subject = {ref.name()};
  const std::string what = "GET " + request.path;
  const DataAnswer answer(client.send(request, mem), what);
  const rapidjson::Value& data = answer.data();
  LevelBlob level;
  level.ref = ref;
  level.id = string_field(data, "id", what);
  const rapidjson::Value* version = member(data, "version");
  level.version = version == nullptr || version->IsNull() ? 0 : number_field(data, "version", what);  // 0: no blob
  level.blob = blob_field(data, what);
  if (level.blob) level.key_version = key_version_field(data, what);
  return level;
}

std::vector<LevelRef> project_levels(ApiClient& client, const std::string& org, const std::string& project,
                                     std::pmr::memory_resource* mem) {
  std::vector<LevelRef> out{LevelRef{project, {}, {}}};
  const std::string base = fmt::format("/api/v1/{}/{}", url_escaped(org), url_escaped(project));
  for (const std::string& target : slugs(client, base + "/targets", "project " + project, mem)) {
    out.push_back(LevelRef{project, target, {}});
    for (const std::string& environment : slugs(client, fmt::format("{}/{}/environments", base, url_escaped(target)),
                                                fmt::format("target {} of project {}", target, project), mem)) {
      out.push_back(LevelRef{project, target, environment});
    }
  }
  return out;
}

std::string Backup::name() const {
  return fmt::format("backup {} (version {}) of {}", id, version, ref.name());
}

Backup backup_of(const rapidjson::Value& item, const std::string& what) {
  Backup backup;
  backup.id = sanitized(string_field(item, "id", what));
  backup.level_id = string_field(item, "level_id", what);
  backup.ref.project = optional_slug(item, "project", what);
  backup.ref.target = optional_slug(item, "target", what);
  backup.ref.environment = optional_slug(item, "environment", what);
  for (const std::string* slug : {&backup.ref.project, &backup.ref.target, &backup.ref.environment}) {
    if (!slug->empty()) check_slug("slug", *slug);
  }
  if (backup.ref.project.empty()) malformed_answer(what, "a version without a project");
  backup.version = number_field(item, "version", what);
  backup.key_version = key_version_field(item, what);
  backup.blob = blob_field(item, what);
  return backup;
}

std::vector<Backup> level_backups(ApiClient& client, const std::string& org, const LevelRef& ref,
                                  std::pmr::memory_resource* mem) {
  const std::string path = fmt::format("/api/v1/{}/secrets/versions?{}", url_escaped(org), ref.query());
  std::vector<Backup> out;
  for_each_item(client, path, {ref.name()}, std::nullopt, mem,
                [&](const rapidjson::Value& item) { out.push_back(backup_of(item, "GET " + path)); });
  return out;
}

Backup read_backup(ApiClient& client, const std::string& org, const std::string& id, std::pmr::memory_resource* mem) {
  ApiRequest request;
  request.path = fmt::format("/api/v1/{}/secrets/versions/{}", url_escaped(org), url_escaped(id));
  request.subject = {fmt::format("version {}", sanitized(id))};
  const std::string what = "GET " + request.path;
  const DataAnswer answer(client.send(request, mem), what);
  Backup backup = backup_of(answer.data(), what);
  if (!backup.blob) malformed_answer(what, "the version has no blob");
  return backup;
}

std::vector<Backup> retired_backups(ApiClient& client, const std::string& org, const std::string& project,
                                    std::pmr::memory_resource* mem) {
  const std::string path = fmt::format("/api/v1/{}/{}/key/retired-versions", url_escaped(org), url_escaped(project));
  std::vector<Backup> out;
  for_each_item(client, path, {"project " + project}, std::nullopt, mem, [&](const rapidjson::Value& item) {
    out.push_back(backup_of(item, "GET " + path));
    if (!out.back().blob) malformed_answer("GET " + path, "a retired version without its blob");
  });
  return out;
}

std::string org_for_blobs(const std::string& org) {
  std::string out = org;
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

}  // namespace dotenv_run
