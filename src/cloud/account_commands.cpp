// whoami, orgs list|create|show, plans: who the token is and what it can reach (docs/api.md section 6).
#include <fmt/format.h>

#include "cloud/commands.hpp"
#include "cloud/data_answer.hpp"
#include "cloud/json_body.hpp"
#include "cloud/session.hpp"
#include "cloud/show.hpp"
#include "core/export_format.hpp"
#include "core/text.hpp"

namespace dotenv_run {

namespace {

constexpr std::string_view kV1 = "/api/v1";

std::string_view text_of(const rapidjson::Value& object, const char* field) {
  auto it = object.FindMember(field);
  if (it == object.MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

// An organization token: its name, organization, abilities and scope. A user: name, email
// and organizations with the role in each.
void print_me(const Session& session, const rapidjson::Value& me) {
  if (session.line().json) return write_stdout(json_line(me));
  if (text_of(me, "type") == "organization_token") {
    std::string organization = "-";
    if (auto it = me.FindMember("organization"); it != me.MemberEnd() && it->value.IsObject()) {
      organization = fmt::format("{} ({})", cell(it->value, "name"), cell(it->value, "id"));
    }
    const bool scoped = me.HasMember("projects") && me["projects"].IsArray();
    return write_stdout(render_fields(
        {{"token", cell(me, "name")},
         {"type", "organization token"},
         {"organization", organization},
         {"abilities", cell(me, "abilities")},
         {"projects", scoped ? cell(me, "projects") : "all"},
         {"expires", me.HasMember("expires_at") && me["expires_at"].IsString() ? cell(me, "expires_at") : "never"}}));
  }
  std::vector<std::pair<std::string, std::string>> fields{
      {"user", cell(me, "name")}, {"email", cell(me, "email")}, {"type", "user"}};
  if (auto it = me.FindMember("organizations"); it != me.MemberEnd() && it->value.IsArray()) {
    for (const auto& org : it->value.GetArray()) {
      fields.emplace_back("organization",
                          fmt::format("{} ({}), {}", cell(org, "name"), cell(org, "id"), cell(org, "role")));
    }
  }
  write_stdout(render_fields(fields));
}

void whoami(Session& session) {
  ApiRequest request;
  request.path = fmt::format("{}/me", kV1);
  request.subject = {"the token"};
  const DataAnswer answer(session.client().send(request, session.memory()), "GET /me");
  if (!answer.data().IsObject()) malformed_answer("GET /me", "\"data\" is not an object");
  print_me(session, answer.data());
}

const std::vector<Field> kOrgFields{
    {"id", "id"}, {"name", "name"}, {"plan", "plan"}, {"created", "created_at"}, {"updated", "updated_at"}};

void orgs_list(Session& session) {
  print_list(session, fmt::format("{}/organizations", kV1), {"organizations"},
             {{"ID", "id"}, {"NAME", "name"}, {"PLAN", "plan"}, {"CREATED", "created_at"}});
}

void orgs_show(Session& session) {
  // With an organization set, that one; otherwise the token's own (an organization token).
  if (session.settings().org) {
    const std::string org = session.org();
    return show_object(session, fmt::format("{}/{}", kV1, org), {fmt::format("organization {}", org)}, kOrgFields);
  }
  show_object(session, fmt::format("{}/organization", kV1), {"the token's organization"}, kOrgFields);
}

void orgs_create(Session& session) {
  const std::string& name = session.args()[0];
  JsonBody body;
  body.field("name", name);
  ApiRequest request;
  request.method = Method::kPost;
  request.path = fmt::format("{}/organizations", kV1);
  request.json_body = body.text();
  request.subject = {fmt::format("organization \"{}\"", sanitized(name))};
  const DataAnswer answer(session.client().send(request, session.memory()), "POST /organizations");
  if (session.line().json) return write_stdout(json_line(answer.data()));
  write_stdout(fmt::format("created organization {} ({})\n", cell(answer.data(), "name"), cell(answer.data(), "id")));
}

void plans(Session& session) {
  print_list(session, fmt::format("{}/plans", kV1), {"plans"},
             {{"SLUG", "slug"},
              {"NAME", "name"},
              {"PROJECTS", "limits.projects"},
              {"TARGETS/PROJECT", "limits.targets_per_project"},
              {"ENVIRONMENTS/TARGET", "limits.environments_per_target"},
              {"REQUESTS/MIN", "limits.requests_per_minute"}});
}

constexpr Command kCommands[] = {
    {"whoami", "", "show who the token is, its organizations, abilities",
     "Shows the token's principal (GET /me): an organization token's name, organization, abilities, project "
     "scope and expiry; or a user's name, email and organizations with the role in each.",
     kOptionJson, 0, 0, whoami},
    {"orgs list", "", "list the organizations the token can see",
     "Lists the organizations the token can see: a user's organizations, or an organization token's own.",
     kOptionJson | kOptionLimit, 0, 0, orgs_list},
    {"orgs create", "NAME", "create an organization (user tokens only)",
     "Creates an organization named NAME on the free plan, owned by the user (an organization token cannot).",
     kOptionJson, 1, 1, orgs_create},
    {"orgs show", "", "show the organization (--org, else the token's own)",
     "Shows the organization given with --org (or DOTENV_CLOUD_ORG), else the organization token's own.", kOptionJson,
     0, 0, orgs_show},
    {"plans", "", "list the plans and their limits",
     "Lists the plan catalog: each plan's projects, targets per project, environments per target and requests "
     "per minute.",
     kOptionJson | kOptionLimit, 0, 0, plans},
};

}  // namespace

std::span<const Command> account_commands() { return kCommands; }

}  // namespace dotenv_run
