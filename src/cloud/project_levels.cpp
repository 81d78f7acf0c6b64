// Walking a project's levels and listing and reading their backups.
#include "cloud/project_levels.hpp"

#include <limits>

#include <fmt/format.h>

#include "api/client.hpp"
#include "api/resolve.hpp"
#include "cloud/data_answer.hpp"
#include "cloud/pages.hpp"
#include "core/error.hpp"
#include "core/text.hpp"

namespace dotenv_run {

namespace {

// A slug field of a backup: a string, or null (or missing) above the level; checked, as it becomes part of a path.
std::optional<std::string> slug_field(const rapidjson::Value& object, const char* name, const std::string& what) {
  if (member(object, name) == nullptr) return std::nullopt;
  std::optional<std::string_view> slug = string_field(object, name, what, true);
  if (!slug) return std::nullopt;
  check_slug(name, *slug);
  return std::string(*slug);
}

std::vector<std::string> slugs(ApiClient& client, const std::string& path, const std::string& subject) {
  std::vector<std::string> out;
  for_each_item(client, path, {subject}, std::nullopt, [&](const rapidjson::Value& item) {
    std::string slug(*string_field(item, "slug", "GET " + path));
    check_slug("slug", slug);  // it becomes part of a path
    out.push_back(std::move(slug));
  });
  return out;
}

}  // namespace

std::vector<LevelRef> project_levels(ApiClient& client, const std::string& org, const std::string& project,
                                     std::pmr::memory_resource* /*unused*/) {
  std::vector<LevelRef> out{LevelRef{org, project, {}, {}}};
  const std::string base = project_path(org, project);
  for (const std::string& target : slugs(client, base + "/targets", "project " + project)) {
    out.push_back(LevelRef{org, project, target, {}});
    for (const std::string& environment :
         slugs(client, fmt::format("{}/{}/environments", base, url_escaped(target)), out.back().name())) {
      out.push_back(LevelRef{org, project, target, environment});
    }
  }
  return out;
}

std::string backups_path(const std::string& org) {
  return fmt::format("/api/v1/{}/secrets/versions", url_escaped(org));
}

std::string Backup::name() const { return fmt::format("backup {} (version {}) of {}", id, version, ref.name()); }

Backup backup_of(const rapidjson::Value& item, const std::string& org, const std::string& what) {
  if (!item.IsObject()) malformed_answer(what, "a version that is not an object");
  Backup backup;
  backup.id = sanitized(*string_field(item, "id", what));
  backup.level_id = std::string(*string_field(item, "level_id", what));
  std::optional<std::string> project = slug_field(item, "project", what);
  if (!project) malformed_answer(what, "a version without a project");
  backup.ref =
      LevelRef{org, std::move(*project), slug_field(item, "target", what), slug_field(item, "environment", what)};
  if (backup.ref.environment && !backup.ref.target)
    malformed_answer(what, "a version of an environment without a target");
  const auto version = count_field(item, "version", what, std::numeric_limits<std::uint64_t>::max());
  const auto key_version = count_field(item, "key_version", what, std::numeric_limits<unsigned>::max());
  if (!version) malformed_answer(what, "a version without its version");
  if (!key_version || *key_version == 0) malformed_answer(what, "field key_version is not a positive integer");
  backup.version = *version;
  backup.key_version = static_cast<unsigned>(*key_version);
  if (member(item, "blob") != nullptr) {
    if (auto blob = string_field(item, "blob", what, true)) backup.blob = std::string(*blob);
  }
  return backup;
}

std::vector<Backup> level_backups(ApiClient& client, const LevelRef& ref, std::pmr::memory_resource* /*unused*/) {
  const std::string path = fmt::format("{}?{}", backups_path(ref.org), ref.query());
  std::vector<Backup> out;
  for_each_item(client, path, {ref.name()}, std::nullopt,
                [&](const rapidjson::Value& item) { out.push_back(backup_of(item, ref.org, "GET " + path)); });
  return out;
}

Backup read_backup(ApiClient& client, const std::string& org, const std::string& id, std::pmr::memory_resource* mem) {
  ApiRequest request;
  request.path = fmt::format("{}/{}", backups_path(org), url_escaped(id));
  request.subject = {fmt::format("version {}", sanitized(id))};
  const std::string what = "GET " + request.path;
  const DataAnswer answer(client.send(request, mem), what);
  Backup backup = backup_of(answer.data(), org, what);
  if (!backup.blob) malformed_answer(what, "the version has no blob");
  return backup;
}

std::vector<Backup> retired_backups(ApiClient& client, const std::string& org, const std::string& project,
                                    std::pmr::memory_resource* /*unused*/) {
  const std::string path = project_path(org, project) + "/key/retired-versions";
  std::vector<Backup> out;
  for_each_item(client, path, {"project " + project}, std::nullopt, [&](const rapidjson::Value& item) {
    out.push_back(backup_of(item, org, "GET " + path));
    if (!out.back().blob) malformed_answer("GET " + path, "a retired version without its blob");
  });
  return out;
}

}  // namespace dotenv_run
