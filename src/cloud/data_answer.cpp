// Parsing an answer's envelope: a JSON object with `data` (docs/api.md section 2).
#include "cloud/data_answer.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/json.hpp"

namespace dotenv_run {

void malformed_answer(std::string_view what, std::string_view problem) {
  throw Error(kExitUnavailable, fmt::format("the API's answer to {} is malformed: {}", what, problem));
}

DataAnswer::DataAnswer(ApiResponse response, std::string_view what) : response_(std::move(response)) {
  if (auto problem = parse_json_in_place(response_.body.data(), response_.body.size(), doc_)) {
    malformed_answer(what, *problem);
  }
  if (!doc_.IsObject() || !doc_.HasMember("data")) malformed_answer(what, "no \"data\" member");
}

const rapidjson::Value* member(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(name);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

std::optional<std::string_view> string_field(const rapidjson::Value& object, const char* name, std::string_view what,
                                             bool nullable) {
  const rapidjson::Value* v = member(object, name);
  if (v != nullptr && v->IsString()) return std::string_view(v->GetString(), v->GetStringLength());
  if (nullable && v != nullptr && v->IsNull()) return std::nullopt;
  malformed_answer(what, fmt::format("field {} is not a string{}", name, nullable ? " or null" : ""));
}

std::optional<std::uint64_t> count_field(const rapidjson::Value& object, const char* name, std::string_view what,
                                         std::uint64_t max) {
  const rapidjson::Value* v = member(object, name);
  if (v != nullptr && v->IsNull()) return std::nullopt;
  if (v == nullptr || !v->IsUint64() || v->GetUint64() > max)
    malformed_answer(what, fmt::format("field {} is not a non-negative integer or null", name));
  return v->GetUint64();
}

const rapidjson::Value* DataAnswer::meta() const {
  auto it = doc_.FindMember("meta");
  return it != doc_.MemberEnd() && it->value.IsObject() ? &it->value : nullptr;
}

}  // namespace dotenv_run
