// What commands print: tables and fields for people, JSON for scripts. Every text from the
// server goes through sanitized() before it reaches a terminal.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <rapidjson/document.h>

namespace dotenv_run {

// One field of an API object as text for people: strings sanitised, numbers and booleans
// as written, null or missing as "-", arrays as comma-separated items, objects as "...".
// A dotted field ("limits.projects") reaches into nested objects.
std::string cell(const rapidjson::Value& object, std::string_view field);

// A header row and rows, each column padded to its widest cell (counted in characters).
std::string render_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);

// "name: value" lines, names padded to the longest.
std::string render_fields(const std::vector<std::pair<std::string, std::string>>& fields);

// One JSON value on one line (RapidJSON Writer), then "\n".
std::string json_line(const rapidjson::Value& value);

// A column of a list table: its header and the object field it shows.
struct Column {
  std::string_view header;
  std::string_view field;
};

std::vector<std::string> row_of(const rapidjson::Value& object, const std::vector<Column>& columns);
std::vector<std::string> header_of(const std::vector<Column>& columns);

}  // namespace dotenv_run
