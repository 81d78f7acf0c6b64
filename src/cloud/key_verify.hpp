// `key verify`: every level and every backup version of a project opened with the key it needs.
#pragma once

#include <cstddef>
#include <memory_resource>
#include <optional>
#include <string>
#include <vector>

#include "cloud/project_key.hpp"
#include "cloud/project_levels.hpp"

namespace dotenv_run {

class ApiClient;

struct VerifyReport {
  std::size_t levels = 0, backups = 0;  // blobs opened successfully
  std::vector<std::string> problems;    // "<level or backup>: <why it does not open>", never a value
};

// Opens `blob` (of the level whose ULID is `level_id`) with the key of the version it names, when
// `keys` has it. nullopt when it opens; otherwise why not.
std::optional<std::string> open_problem(const std::string& blob, const KeyRing& keys, const std::string& org,
                                        const std::string& level_id, const std::string& what);

// Reads every level of the project and every backup of each (one GET per blob) and opens each.
VerifyReport verify_project(ApiClient& client, const std::string& org, const std::string& project, const KeyRing& keys);

// Prints the report (a line per problem, then a summary; or JSON) and throws Error(kExitDataError)
// when anything does not open.
void report_verification(const VerifyReport& report, const std::string& project, bool json);

}  // namespace dotenv_run
