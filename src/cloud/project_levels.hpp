// The levels of a project (the project, each target, each environment), their blobs, and their
// backup versions, as the API lists them (docs/api.md sections 4 and 6).
#pragma once

#include <cstdint>
#include <functional>
#include <memory_resource>
#include <optional>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "core/secure_memory.hpp"

namespace dotenv_run {

class ApiClient;
class Session;

// Where a level is: its project, and a target and environment below it (empty when above).
struct LevelRef {
  std::string project, target, environment;

  // "project api", "target web of api", "environment production of api/web".
  std::string name() const;
  // "/api/v1/<org>/<project>[/<target>[/<environment>]]/secrets", parts escaped.
  std::string secrets_path(const std::string& org) const;
  // "project=api[&target=web[&environment=production]]", values escaped.
  std::string query() const;
};

// The deepest level -p/-t/-e name (the slugs checked): Error(kExitConfig) when there is no project.
LevelRef level_of(const Session& session);

// A level as GET .../secrets answers it.
struct LevelBlob {
  LevelRef ref;
  std::string id;           // the level's ULID (associated data of its blob)
  std::uint64_t version = 0;  // 0 while it has no blob
  unsigned key_version = 0;
  std::optional<std::string> blob;
};

// One GET of the level. Error(kExitUnavailable) for an answer without the fields above.
LevelBlob read_level(ApiClient& client, const std::string& org, const LevelRef& ref, std::pmr::memory_resource* mem);

// Every level of the project: the project, then each target followed by its environments (all pages).
std::vector<LevelRef> project_levels(ApiClient& client, const std::string& org, const std::string& project,
                                     std::pmr::memory_resource* mem);

// A backup version as the versions list (or GET versions/{id}, with its blob) gives it.
struct Backup {
  std::string id, level_id;
  LevelRef ref;
  std::uint64_t version = 0;
  unsigned key_version = 0;
  std::optional<std::string> blob;  // only from GET versions/{id} and key/retired-versions

  // "backup <id> (version 3) of environment production of api/web"
  std::string name() const;
};

// Reads one entry of a versions list (or one version). Error(kExitUnavailable) when malformed.
Backup backup_of(const rapidjson::Value& item, const std::string& what);

// The backups of one level, newest first (all pages).
std::vector<Backup> level_backups(ApiClient& client, const std::string& org, const LevelRef& ref,
                                  std::pmr::memory_resource* mem);

// One backup with its blob; 404 is Error(kExitConfig) naming the version.
Backup read_backup(ApiClient& client, const std::string& org, const std::string& id, std::pmr::memory_resource* mem);

// The backups under a retired key version, with their blobs (GET key/retired-versions, all pages).
std::vector<Backup> retired_backups(ApiClient& client, const std::string& org, const std::string& project,
                                    std::pmr::memory_resource* mem);

// The organization id as the API spells it in associated data: upper case.
std::string org_for_blobs(const std::string& org);

}  // namespace dotenv_run
