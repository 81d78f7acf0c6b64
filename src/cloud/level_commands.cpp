// projects, targets and environments: the same five verbs one level apart (docs/api.md section 6).
#include <fmt/format.h>

#include "api/resolve.hpp"
#include "cloud/commands.hpp"
#include "cloud/confirm.hpp"
#include "cloud/data_answer.hpp"
#include "cloud/json_body.hpp"
#include "cloud/project_create.hpp"
#include "cloud/session.hpp"
#include "cloud/show.hpp"
#include "core/error.hpp"
#include "core/export_format.hpp"
#include "core/text.hpp"

namespace dotenv_run {

namespace {

struct Kind {
  std::string_view one, many;  // "project", "projects"
  int depth;                   // 0 project, 1 target (needs -p), 2 environment (needs -p -t)
  std::string_view children;   // what a delete takes with it
};

constexpr Kind kProject{"project", "projects", 0, "its targets, environments, secrets and backups"};
constexpr Kind kTarget{"target", "targets", 1, "its environments, secrets and backups"};
constexpr Kind kEnvironment{"environment", "environments", 2, "its secrets and backups"};

// "/api/v1/<org>", then "/<project>" and "/<target>" for the deeper kinds; the slugs checked.
std::string parent_path(const Session& session, const Kind& kind) {
  std::string path = fmt::format("/api/v1/{}", url_escaped(session.org()));
  if (kind.depth >= 1) path += "/" + url_escaped(session.project());
  if (kind.depth >= 2) path += "/" + url_escaped(session.target());
  return path;
}

// "project api", "target web of project api", "environment production of api/web".
std::string subject_of(const Session& session, const Kind& kind, std::string_view slug) {
  if (kind.depth == 0) return fmt::format("project {}", slug);
  if (kind.depth == 1) return fmt::format("target {} of project {}", slug, session.project());
  return fmt::format("environment {} of {}/{}", slug, session.project(), session.target());
}

// What a list belongs to, named when the API cannot find it.
std::string parent_subject(const Session& session, const Kind& kind) {
  if (kind.depth == 0) return fmt::format("organization {}", session.org());
  if (kind.depth == 1) return fmt::format("project {}", session.project());
  return fmt::format("target {} of project {}", session.target(), session.project());
}

// The slug argument, checked before it becomes part of a path.
std::string slug_argument(const Session& session, const Kind& kind) {
  const std::string& slug = session.args()[0];
  check_slug(kind.one, slug);
  return slug;
}

std::vector<Column> columns_of(const Kind& kind) {
  if (kind.depth == 0) {
    return {{"SLUG", "slug"},
            {"NAME", "name"},
            {"ENCRYPTION", "encryption"},
            {"KEY", "key_version"},
            {"UPDATED", "updated_at"}};
  }
  return {{"SLUG", "slug"}, {"NAME", "name"}, {"UPDATED", "updated_at"}};
}

std::vector<Field> fields_of(const Kind& kind) {
  std::vector<Field> fields{{"slug", "slug"}, {"name", "name"}, {"id", "id"}};
  if (kind.depth == 0) {
    fields.push_back({"encryption", "encryption"});
    fields.push_back({"key version", "key_version"});
  }
  fields.push_back({"created", "created_at"});
  fields.push_back({"updated", "updated_at"});
  return fields;
}

// Sends a write and prints its answer: the object as JSON, or one line for people.
void write_and_report(Session& session, ApiRequest& request, std::string_view what, std::string_view done) {
  const DataAnswer answer(session.client().send(request, session.memory()), what);
  if (session.line().json) return write_stdout(json_line(answer.data()));
  write_stdout(fmt::format("{} ({})\n", done, cell(answer.data(), "id")));
}

template <const Kind& K>
void list(Session& session) {
  print_list(session, fmt::format("{}/{}", parent_path(session, K), K.many), {parent_subject(session, K)},
             columns_of(K));
}

template <const Kind& K>
void show(Session& session) {
  const std::string slug = slug_argument(session, K);
  show_object(session, fmt::format("{}/{}", parent_path(session, K), url_escaped(slug)), {subject_of(session, K, slug)},
              fields_of(K));
}

template <const Kind& K>
void create(Session& session) {
  const std::string& slug = session.args()[0];  // checked by the server (422), like every field of a body
  const std::string path = fmt::format("{}/{}", parent_path(session, K), K.many);
  const std::string subject = subject_of(session, K, sanitized(slug));
  if (K.depth == 0 && session.line().client_managed) {
    return create_client_managed_project(session, path, slug, subject);
  }
  JsonBody body;
  body.field("slug", slug);
  if (session.line().name) body.field("name", *session.line().name);
  ApiRequest request;
  request.method = Method::kPost;
  request.path = path;
  request.json_body = body.text();
  request.subject = {subject};
  write_and_report(session, request, fmt::format("POST {}", path), fmt::format("created {}", subject));
}

template <const Kind& K>
void update(Session& session) {
  const std::string slug = slug_argument(session, K);
  const CommandLine& line = session.line();
  if (!line.slug && !line.name) {
    throw Error(kExitUsage,
                fmt::format("nothing to change: give --slug or --name (see dotenv-cloud help {} update)", K.many));
  }
  JsonBody body;
  if (line.slug) body.field("slug", *line.slug);
  if (line.name) body.field("name", *line.name);
  ApiRequest request;
  request.method = Method::kPatch;
  request.path = fmt::format("{}/{}", parent_path(session, K), url_escaped(slug));
  request.json_body = body.text();
  request.subject = {subject_of(session, K, slug)};
  const std::string done = line.slug && *line.slug != slug
                               ? fmt::format("renamed {} to {}", request.subject.what, sanitized(*line.slug))
                               : fmt::format("updated {}", request.subject.what);
  write_and_report(session, request, fmt::format("PATCH {}", request.path), done);
}

template <const Kind& K>
void remove(Session& session) {
  const std::string slug = slug_argument(session, K);
  const std::string subject = subject_of(session, K, slug);
  ApiRequest request;
  request.method = Method::kDelete;
  request.path = fmt::format("{}/{}", parent_path(session, K), url_escaped(slug));
  request.subject = {subject};
  confirm(fmt::format("Delete {} and {}?", subject, K.children), fmt::format("deleting {}", subject),
          session.line().yes);
  session.client().send(request, session.memory());
  write_stdout(fmt::format("deleted {}\n", subject));
}

constexpr unsigned kRead = kOptionJson;
constexpr unsigned kList = kOptionJson | kOptionLimit;
constexpr unsigned kProjectCreate = kOptionJson | kOptionName | kOptionClientManaged | kOptionNewKeyFile;
constexpr unsigned kCreate = kOptionJson | kOptionName;
constexpr unsigned kUpdate = kOptionJson | kOptionName | kOptionSlug;

constexpr Command kCommands[] = {
    {"projects list", "", "list the organization's projects", "Lists the projects of the organization (--org).", kList,
     0, 0, list<kProject>},
    {"projects show", "SLUG", "show one project", "Shows the project SLUG: its id, name, encryption and key version.",
     kRead, 1, 1, show<kProject>},
    {"projects create", "SLUG [--name NAME] [--client-managed --new-key-file FILE]", "create a project",
     "Creates the project SLUG (named NAME, else SLUG). Its key is managed by the server, or with --client-managed "
     "by you: a new random key is written (base64) to FILE, which must not exist, with mode 0600, and the server "
     "gets only a PBKDF2 proof of it. Keep FILE safe: without it the project's secrets cannot be read.",
     kProjectCreate, 1, 1, create<kProject>},
    {"projects update", "SLUG [--slug NEW] [--name NAME]", "rename a project",
     "Changes the slug and/or the name of the project SLUG.", kUpdate, 1, 1, update<kProject>},
    {"projects delete", "SLUG", "delete a project and everything in it",
     "Deletes the project SLUG with its targets, environments, secrets and backups. Asks first on a terminal; "
     "elsewhere needs --yes.",
     kOptionYes, 1, 1, remove<kProject>},
    {"targets list", "", "list the project's targets (-p)", "Lists the targets of the project (--project).", kList, 0,
     0, list<kTarget>},
    {"targets show", "SLUG", "show one target (-p)", "Shows the target SLUG of the project (--project).", kRead, 1, 1,
     show<kTarget>},
    {"targets create", "SLUG [--name NAME]", "create a target (-p)",
     "Creates the target SLUG (named NAME, else SLUG) in the project (--project).", kCreate, 1, 1, create<kTarget>},
    {"targets update", "SLUG [--slug NEW] [--name NAME]", "rename a target (-p)",
     "Changes the slug and/or the name of the target SLUG of the project (--project).", kUpdate, 1, 1, update<kTarget>},
    {"targets delete", "SLUG", "delete a target and everything in it (-p)",
     "Deletes the target SLUG of the project (--project) with its environments, secrets and backups. Asks first on "
     "a terminal; elsewhere needs --yes.",
     kOptionYes, 1, 1, remove<kTarget>},
    {"environments list", "", "list the target's environments (-p -t)",
     "Lists the environments of the target (--target) of the project (--project).", kList, 0, 0, list<kEnvironment>},
    {"environments show", "SLUG", "show one environment (-p -t)",
     "Shows the environment SLUG of the target (--target) of the project (--project).", kRead, 1, 1,
     show<kEnvironment>},
    {"environments create", "SLUG [--name NAME]", "create an environment (-p -t)",
     "Creates the environment SLUG (named NAME, else SLUG) in the target (--target) of the project (--project).",
     kCreate, 1, 1, create<kEnvironment>},
    {"environments update", "SLUG [--slug NEW] [--name NAME]", "rename an environment (-p -t)",
     "Changes the slug and/or the name of the environment SLUG.", kUpdate, 1, 1, update<kEnvironment>},
    {"environments delete", "SLUG", "delete an environment and its secrets (-p -t)",
     "Deletes the environment SLUG with its secrets and backups. Asks first on a terminal; elsewhere needs --yes.",
     kOptionYes, 1, 1, remove<kEnvironment>},
};

}  // namespace

std::span<const Command> level_commands() { return kCommands; }

}  // namespace dotenv_run
