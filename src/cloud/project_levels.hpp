// A whole project, level by level: every level (the project, each target, each environment), the
// backup versions of a level, one backup, and the backups under a retired key version
// (docs/api.md sections 4, 6 and 8). Built on cloud/level.hpp.
#pragma once

#include <cstdint>
#include <memory_resource>
#include <optional>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "cloud/level.hpp"

namespace dotenv_run {

class ApiClient;

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

// "/api/v1/<org>/secrets/versions": the backups of an organization (a level's with its query).
std::string backups_path(const std::string& org);

// Reads one entry of a versions list (or one version) of the organization `org`.
// Error(kExitUnavailable) when malformed.
Backup backup_of(const rapidjson::Value& item, const std::string& org, const std::string& what);

// The backups of one level, newest first (all pages).
std::vector<Backup> level_backups(ApiClient& client, const LevelRef& ref, std::pmr::memory_resource* mem);

// One backup with its blob; 404 is Error(kExitConfig) naming the version.
Backup read_backup(ApiClient& client, const std::string& org, const std::string& id, std::pmr::memory_resource* mem);

// The backups under a retired key version, with their blobs (GET key/retired-versions, all pages).
std::vector<Backup> retired_backups(ApiClient& client, const std::string& org, const std::string& project,
                                    std::pmr::memory_resource* mem);

}  // namespace dotenv_run
