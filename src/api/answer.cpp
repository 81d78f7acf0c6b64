// Checks the resolve answer's shape and that it answers the question asked, naming the field at fault.
#include "api/answer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <limits>

#include "core/error.hpp"
#include "core/json.hpp"

namespace dotenv_run {

namespace {

using rapidjson::Value;

[[noreturn]] void malformed(const std::string& path, std::string_view problem) {
  throw Error(kExitUnavailable, fmt::format("answer field {} {}", path, problem));
}

const Value& field(const Value& object, const std::string& path) {
  // `path` ends with the member name after the last '.'.
  const std::string name = path.substr(path.rfind('.') + 1);
  const auto it = object.FindMember(rapidjson::StringRef(name.data(), name.size()));
  if (it == object.MemberEnd()) malformed(path, "is missing");
  return it->value;
}

const Value& object_field(const Value& object, const std::string& path) {
  const Value& v = field(object, path);
  if (!v.IsObject()) malformed(path, "is not an object");
  return v;
}

std::string_view as_view(const Value& v) { return {v.GetString(), v.GetStringLength()}; }

std::string_view string_field(const Value& object, const std::string& path) {
  const Value& v = field(object, path);
  if (!v.IsString()) malformed(path, "is not a string");
  return as_view(v);
}

std::optional<std::string_view> string_or_null_field(const Value& object, const std::string& path) {
  const Value& v = field(object, path);
  if (v.IsNull()) return std::nullopt;
  if (!v.IsString()) malformed(path, "is not a string or null");
  return as_view(v);
}

unsigned unsigned_field(const Value& object, const std::string& path) {
  const Value& v = field(object, path);
  if (!v.IsUint()) malformed(path, "is not a non-negative integer");
  return v.GetUint();
}

std::optional<unsigned> unsigned_or_null_field(const Value& object, const std::string& path) {
  const Value& v = field(object, path);
  if (v.IsNull()) return std::nullopt;
  if (!v.IsUint()) malformed(path, "is not a non-negative integer or null");
  return v.GetUint();
}

std::optional<long long> version_field(const Value& object, const std::string& path) {
  const Value& v = field(object, path);
  if (v.IsNull()) return std::nullopt;
  if (!v.IsInt64() || v.GetInt64() < 0) malformed(path, "is not a non-negative integer or null");
  return static_cast<long long>(v.GetInt64());
}

bool same_ulid(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) == std::toupper(static_cast<unsigned char>(y));
         });
}

struct Named {
  std::string_view id, slug;
};

Named named_object(const Value& data, const std::string& name, std::string_view expected_slug) {
  const std::string path = "data." + name;
  const Value& object = object_field(data, path);
  Named n{string_field(object, path + ".id"), string_field(object, path + ".slug")};
  if (n.slug != expected_slug) malformed(path + ".slug", fmt::format("is not \"{}\"", expected_slug));
  return n;
}

ResolvedKey parse_key(const Value& data) {
  const Value& key = object_field(data, "data.key");
  ResolvedKey k;
  k.mode = string_field(key, "data.key.mode");
  k.version = unsigned_field(key, "data.key.version");
  if (k.mode == "server") {
    k.key_b64 = string_field(key, "data.key.key");
  } else if (k.mode == "client") {
    const Value& proof = object_field(key, "data.key.key_proof");
    k.proof = KeyProofView{
        string_field(proof, "data.key.key_proof.algorithm"), unsigned_field(proof, "data.key.key_proof.iterations"),
        string_field(proof, "data.key.key_proof.salt"), string_field(proof, "data.key.key_proof.proof")};
  } else {
    malformed("data.key.mode", "is neither \"server\" nor \"client\"");
  }
  return k;
}

void parse_organization(const Value& data, const ResolveQuery& query, ResolveAnswer& answer) {
  const Value& organization = object_field(data, "data.organization");
  answer.org_id = string_field(organization, "data.organization.id");
  if (!same_ulid(answer.org_id, query.org))
    malformed("data.organization.id", "does not match the organization asked for");
  // The id is bound into every blob as the server spells it; only the canonical form is valid.
  if (std::any_of(answer.org_id.begin(), answer.org_id.end(), [](char c) { return c >= 'a' && c <= 'z'; }))
    malformed("data.organization.id", "is not in canonical upper case");
}

void parse_project(const Value& data, const ResolveQuery& query, ResolveAnswer& answer) {
  const Value& project = object_field(data, "data.project");
  answer.project_id = string_field(project, "data.project.id");
  answer.project_slug = string_field(project, "data.project.slug");
  if (answer.project_slug != query.project) malformed("data.project.slug", fmt::format("is not \"{}\"", query.project));
  answer.encryption = string_field(project, "data.project.encryption");
  if (answer.encryption != "server" && answer.encryption != "client")
    malformed("data.project.encryption", "is neither \"server\" nor \"client\"");
}

using ExpectedLevels = std::vector<std::pair<std::string, Named>>;

// What the levels must be, in order: the project, then each deeper level that was asked.
ExpectedLevels expected_levels(const Value& data, const ResolveQuery& query, const ResolveAnswer& answer) {
  ExpectedLevels expected{{"project", Named{answer.project_id, answer.project_slug}}};
  if (query.target) expected.emplace_back("target", named_object(data, "target", *query.target));
  if (query.environment) expected.emplace_back("environment", named_object(data, "environment", *query.environment));
  // Each level's blob is bound to its id (docs/api.md section 8): with one id for two levels, a
  // server could serve one blob as both. Ids are ULIDs, unique across objects.
  for (std::size_t i = 1; i < expected.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (same_ulid(expected[i].second.id, expected[j].second.id)) {
        malformed("data." + expected[i].first + ".id", fmt::format("is the same as data.{}.id", expected[j].first));
      }
    }
  }
  return expected;
}

ResolvedLevel parse_level(const Value& entry, const std::string& path, const std::string& name, const Named& named) {
  if (!entry.IsObject()) malformed(path, "is not an object");
  ResolvedLevel level;
  level.level = string_field(entry, path + ".level");
  if (level.level != name) malformed(path + ".level", fmt::format("is not \"{}\"", name));
  level.id = string_field(entry, path + ".id");
  if (level.id != named.id) malformed(path + ".id", fmt::format("does not match data.{}.id", name));
  level.slug = named.slug;
  level.version = version_field(entry, path + ".version");
  level.key_version = unsigned_or_null_field(entry, path + ".key_version");
  level.blob = string_or_null_field(entry, path + ".blob");
  if (level.blob && !level.key_version) malformed(path + ".key_version", "is null but the level has a blob");
  return level;
}

void parse_levels(const Value& data, const ExpectedLevels& expected, ResolveAnswer& answer) {
  const Value& levels = field(data, "data.levels");
  if (!levels.IsArray()) malformed("data.levels", "is not an array");
  if (levels.Size() != expected.size())
    malformed("data.levels", fmt::format("has {} entr{}; expected {}", levels.Size(), levels.Size() == 1 ? "y" : "ies",
                                         expected.size()));
  for (rapidjson::SizeType i = 0; i < levels.Size(); ++i) {
    const auto& [name, named] = expected[i];
    answer.levels.push_back(parse_level(levels[i], fmt::format("data.levels[{}]", i), name, named));
  }
}

}  // namespace

ResolveAnswer parse_resolve_answer(SecretString body, const ResolveQuery& query,
                                   std::unique_ptr<SecretArena> body_memory) {
  ResolveAnswer answer(std::move(body), std::move(body_memory));
  rapidjson::Document doc;
  if (auto problem = parse_json_in_place(answer.body.data(), answer.body.size(), doc))
    throw Error(kExitUnavailable, "the API's answer is not valid JSON: " + *problem);
  if (!doc.IsObject()) throw Error(kExitUnavailable, "the API's answer is not a JSON object");
  const Value& data = object_field(doc, "data");
  parse_organization(data, query, answer);
  parse_project(data, query, answer);
  parse_levels(data, expected_levels(data, query, answer), answer);
  answer.key = parse_key(data);
  if (answer.key.mode != answer.encryption)
    malformed("data.key.mode",
              fmt::format("is \"{}\" but data.project.encryption is \"{}\"", answer.key.mode, answer.encryption));
  return answer;
}

}  // namespace dotenv_run
