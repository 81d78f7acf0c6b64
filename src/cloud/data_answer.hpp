// The `data` (and `meta`) of a 2xx answer, parsed in place in the answer's own buffer.
#pragma once

#include <cstdint>
#include <memory_resource>
#include <optional>
#include <string_view>

#include <rapidjson/document.h>

#include "api/client.hpp"

namespace dotenv_run {

class DataAnswer {
 public:
  // Throws Error(kExitUnavailable) naming `what` when the body is not JSON or has no `data`
  // (the body itself is never printed).
  DataAnswer(ApiResponse response, std::string_view what);
  DataAnswer(const DataAnswer&) = delete;
  DataAnswer& operator=(const DataAnswer&) = delete;

  const rapidjson::Value& data() const { return doc_["data"]; }
  // The `meta` object of a list, or nullptr.
  const rapidjson::Value* meta() const;

 private:
  ApiResponse response_;
  rapidjson::Document doc_;
};

// Error(kExitUnavailable): "the API's answer to <what> is malformed: <problem>".
[[noreturn]] void malformed_answer(std::string_view what, std::string_view problem);

// The fields of an object of an answer, checked one by one; `what` names the request for
// malformed_answer ("field <name> is not a string", ...).
// The member `name`, or nullptr (also when `object` is not an object).
const rapidjson::Value* member(const rapidjson::Value& object, const char* name);
// A string field (with `nullable`, null gives nullopt); missing is malformed.
std::optional<std::string_view> string_field(const rapidjson::Value& object, const char* name, std::string_view what,
                                             bool nullable = false);
// A non-negative integer up to `max`; null gives nullopt, missing is malformed.
std::optional<std::uint64_t> count_field(const rapidjson::Value& object, const char* name, std::string_view what,
                                         std::uint64_t max);

}  // namespace dotenv_run
