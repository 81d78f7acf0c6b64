// Printing what a command read: --json gives the API's `data` as JSON, otherwise text for people.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "api/client.hpp"
#include "cloud/output.hpp"

namespace dotenv_run {

class Session;

// A field of one object: its label for people and its name in the API object.
struct Field {
  std::string_view label;
  std::string_view field;
};

// Every item of the list at `path` (all pages, or --limit): a JSON array, or a table.
void print_list(Session& session, const std::string& path, const Subject& subject, const std::vector<Column>& columns);

// One object: its JSON, or its fields as "label: value" lines.
void print_object(const Session& session, const rapidjson::Value& data, const std::vector<Field>& fields);

// GETs one object and prints it as print_object does.
void show_object(Session& session, const std::string& path, const Subject& subject, const std::vector<Field>& fields);

}  // namespace dotenv_run
