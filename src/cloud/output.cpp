// Tables, fields and JSON lines.
#include "cloud/output.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "core/text.hpp"

namespace dotenv_run {

namespace {

std::size_t display_width(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string scalar_text(const rapidjson::Value& v) {
  if (v.IsString()) return sanitized(std::string_view(v.GetString(), v.GetStringLength()));
  if (v.IsBool()) return v.GetBool() ? "true" : "false";
  if (v.IsInt64()) return std::to_string(v.GetInt64());
  if (v.IsUint64()) return std::to_string(v.GetUint64());
  if (v.IsNumber()) return fmt::format("{}", v.GetDouble());
  if (v.IsNull()) return "-";
  return "...";
}

}  // namespace

std::string cell(const rapidjson::Value& object, std::string_view field) {
  const rapidjson::Value* value = &object;
  for (std::string_view rest = field; value != nullptr;) {
    const std::string_view name = rest.substr(0, rest.find('.'));
    if (!value->IsObject()) return "-";
    auto it = value->FindMember(rapidjson::Value(rapidjson::StringRef(name.data(), name.size())));
    value = it == value->MemberEnd() ? nullptr : &it->value;
    if (name.size() == rest.size()) break;
    rest.remove_prefix(name.size() + 1);
  }
  if (value == nullptr) return "-";
  if (!value->IsArray()) return scalar_text(*value);
  std::string out;
  for (const auto& item : value->GetArray()) {
    if (!out.empty()) out += ", ";
    out += scalar_text(item);
  }
  return out.empty() ? "-" : out;  // each item is sanitised (and cut) on its own
}

std::string render_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths(header.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i)
      widths[i] = std::max(widths[i], display_width(row[i]));
  };
  measure(header);
  for (const auto& row : rows) measure(row);
  std::string out;
  auto write = [&](const std::vector<std::string>& row) {
    std::string line;
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(widths[i] - display_width(row[i]) + 2, ' ');
    }
    out += line + "\n";
  };
  write(header);
  for (const auto& row : rows) write(row);
  return out;
}

std::string render_fields(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::size_t width = 0;
  for (const auto& field : fields) width = std::max(width, field.first.size());
  std::string out;
  for (const auto& [name, value] : fields) out += fmt::format("{:<{}}  {}\n", name + ":", width + 1, value);
  return out;
}

std::string json_line(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

std::vector<std::string> row_of(const rapidjson::Value& object, const std::vector<Column>& columns) {
  std::vector<std::string> row;
  for (const Column& column : columns) row.push_back(cell(object, column.field));
  return row;
}

std::vector<std::string> header_of(const std::vector<Column>& columns) {
  std::vector<std::string> row;
  for (const Column& column : columns) row.emplace_back(column.header);
  return row;
}

}  // namespace dotenv_run
