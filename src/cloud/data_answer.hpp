// The `data` (and `meta`) of a 2xx answer, parsed in place in the answer's own buffer.
#pragma once

#include <memory_resource>
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

}  // namespace dotenv_run
