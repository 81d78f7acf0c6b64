// Verification: a local arena per blob, so a project of any size runs in bounded memory.
#include "cloud/key_verify.hpp"

#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "api/client.hpp"
#include "cloud/progress.hpp"
#include "core/error.hpp"
#include "core/export_format.hpp"

namespace dotenv_run {

std::optional<std::string> open_problem(const std::string& blob, const KeyRing& keys, const std::string& org,
                                        const std::string& level_id, const std::string& what) {
  try {
    SecretArena arena(4096);
    keys.open(blob, org, level_id, what, arena.resource());
    return std::nullopt;
  } catch (const Error& e) {
    if (e.code() != kExitDataError) throw;
    return std::string(e.what());
  }
}

VerifyReport verify_project(ApiClient& client, const std::string& org, const std::string& project,
                            const KeyRing& keys) {
  VerifyReport report;
  SecretArena scratch;
  const std::vector<LevelRef> refs = project_levels(client, org, project, scratch.resource());
  scratch.release();
  std::vector<Backup> backups;
  {
    Progress progress("verifying levels");
    for (std::size_t i = 0; i < refs.size(); ++i) {
      progress.update(i, refs.size());
      const LevelState level = read_level(client, refs[i], scratch.resource());
      if (level.blob) {
        if (auto problem = open_problem(*level.blob, keys, org, level.id, "level " + refs[i].name())) {
          report.problems.push_back(std::move(*problem));
        } else {
          ++report.levels;
        }
      }
      for (Backup& backup : level_backups(client, refs[i], scratch.resource())) backups.push_back(std::move(backup));
      scratch.release();
    }
    progress.update(refs.size(), refs.size());
  }
  Progress progress("verifying backups");
  for (std::size_t i = 0; i < backups.size(); ++i) {
    progress.update(i, backups.size());
    const Backup backup = read_backup(client, org, backups[i].id, scratch.resource());
    if (auto problem = open_problem(*backup.blob, keys, org, backup.level_id, backup.name())) {
      report.problems.push_back(std::move(*problem));
    } else {
      ++report.backups;
    }
    scratch.release();
  }
  progress.update(backups.size(), backups.size());
  return report;
}

void report_verification(const VerifyReport& report, const std::string& project, bool json) {
  if (json) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    writer.StartObject();
    writer.Key("levels_open");
    writer.Uint64(report.levels);
    writer.Key("backups_open");
    writer.Uint64(report.backups);
    writer.Key("problems");
    writer.StartArray();
    for (const std::string& problem : report.problems)
      writer.String(problem.c_str(), static_cast<rapidjson::SizeType>(problem.size()));
    writer.EndArray();
    writer.EndObject();
    write_stdout(std::string(buffer.GetString(), buffer.GetSize()) + "\n");
  } else {
    std::string out;
    for (const std::string& problem : report.problems) out += fmt::format("does not open: {}\n", problem);
    out += fmt::format("project {}: {} level{} and {} backup{} open with their keys\n", project, report.levels,
                       report.levels == 1 ? "" : "s", report.backups, report.backups == 1 ? "" : "s");
    write_stdout(out);
  }
  if (!report.problems.empty()) {
    throw Error(
        kExitDataError,
        fmt::format("project {}: {} blob{} do{} not open with the key {} need{}", project, report.problems.size(),
                    report.problems.size() == 1 ? "" : "s", report.problems.size() == 1 ? "es" : "",
                    report.problems.size() == 1 ? "it" : "they", report.problems.size() == 1 ? "s" : ""));
  }
}

}  // namespace dotenv_run
