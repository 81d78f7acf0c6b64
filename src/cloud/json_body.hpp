// Request bodies written with RapidJSON's Writer (every string escaped by it, never by hand).
#pragma once

#include <cstdint>
#include <string_view>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace dotenv_run {

class JsonBody {
 public:
  JsonBody() : writer_(buffer_) { writer_.StartObject(); }

  JsonBody& field(std::string_view name, std::string_view value) {
    key(name);
    writer_.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
    return *this;
  }
  JsonBody& field(std::string_view name, std::uint64_t value) {
    key(name);
    writer_.Uint64(value);
    return *this;
  }
  // Opens a nested object; close() ends it.
  JsonBody& open(std::string_view name) {
    key(name);
    writer_.StartObject();
    return *this;
  }
  JsonBody& close() {
    writer_.EndObject();
    return *this;
  }
  // The finished text; call once, after the last field.
  std::string_view text() {
    writer_.EndObject();
    return {buffer_.GetString(), buffer_.GetSize()};
  }

 private:
  void key(std::string_view name) { writer_.Key(name.data(), static_cast<rapidjson::SizeType>(name.size())); }

  rapidjson::StringBuffer buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> writer_;
};

}  // namespace dotenv_run
