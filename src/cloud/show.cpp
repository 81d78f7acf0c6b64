// Lists and objects on stdout.
#include "cloud/show.hpp"

#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "cloud/data_answer.hpp"
#include "cloud/pages.hpp"
#include "cloud/session.hpp"
#include "core/export_format.hpp"

namespace dotenv_run {

void print_list(Session& session, const std::string& path, const Subject& subject, const std::vector<Column>& columns) {
  if (session.line().json) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    writer.StartArray();
    for_each_item(session.client(), path, subject, session.line().limit,
                  [&](const rapidjson::Value& item) { item.Accept(writer); });
    writer.EndArray();
    write_stdout(std::string(buffer.GetString(), buffer.GetSize()) + "\n");
    return;
  }
  std::vector<std::vector<std::string>> rows;
  for_each_item(session.client(), path, subject, session.line().limit,
                [&](const rapidjson::Value& item) { rows.push_back(row_of(item, columns)); });
  write_stdout(render_table(header_of(columns), rows));
}

void print_object(const Session& session, const rapidjson::Value& data, const std::vector<Field>& fields) {
  if (session.line().json) return write_stdout(json_line(data));
  std::vector<std::pair<std::string, std::string>> lines;
  for (const Field& field : fields) lines.emplace_back(field.label, cell(data, field.field));
  write_stdout(render_fields(lines));
}

void show_object(Session& session, const std::string& path, const Subject& subject, const std::vector<Field>& fields) {
  ApiRequest request;
  request.path = path;
  request.subject = subject;
  const DataAnswer answer(session.client().send(request, session.memory()), fmt::format("GET {}", path));
  if (!answer.data().IsObject()) malformed_answer(fmt::format("GET {}", path), "\"data\" is not an object");
  print_object(session, answer.data(), fields);
}

}  // namespace dotenv_run
