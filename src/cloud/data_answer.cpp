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

const rapidjson::Value* DataAnswer::meta() const {
  auto it = doc_.FindMember("meta");
  return it != doc_.MemberEnd() && it->value.IsObject() ? &it->value : nullptr;
}

}  // namespace dotenv_run
