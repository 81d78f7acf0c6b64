// Tests of what dotenv-cloud prints: cells, tables, fields and JSON lines.
#include <doctest/doctest.h>

#include <string>

#include <rapidjson/document.h>

#include "cloud/output.hpp"

using namespace dotenv_run;

namespace {

rapidjson::Document json(const char* text) {
  rapidjson::Document doc;
  doc.Parse(text);
  REQUIRE_FALSE(doc.HasParseError());
  return doc;
}

}  // namespace

TEST_CASE("a cell is the field as text; missing and null are a dash; dotted names reach into objects") {
  const auto doc = json(R"({"s":"x","n":3,"f":1.5,"b":true,"z":null,"a":["p","q"],"o":{"k":{"v":7}}})");
  CHECK(cell(doc, "s") == "x");
  CHECK(cell(doc, "n") == "3");
  CHECK(cell(doc, "f") == "1.5");
  CHECK(cell(doc, "b") == "true");
  CHECK(cell(doc, "z") == "-");
  CHECK(cell(doc, "missing") == "-");
  CHECK(cell(doc, "a") == "p, q");
  CHECK(cell(doc, "o.k.v") == "7");
  CHECK(cell(doc, "o.k") == "...");
  CHECK(cell(doc, "s.deeper") == "-");
}

TEST_CASE("a cell never carries a control character from the server, only its escape") {
  const auto doc = json(R"({"name":"evil\u001b[31m\nname\u0007","list":["a\u001b]0;x\u0007"]})");
  CHECK(cell(doc, "name") == "evil\\x1b[31m\\x0aname\\x07");
  CHECK(cell(doc, "list") == "a\\x1b]0;x\\x07");
}

TEST_CASE("a table pads each column to its widest cell, counting characters, not bytes") {
  CHECK(render_table({"SLUG", "NAME"}, {{"api", "API"}, {"billing", "Élan"}}) ==
        "SLUG     NAME\n"
        "api      API\n"
        "billing  Élan\n");
  CHECK(render_table({"A", "B"}, {{"ééé", "x"}}) == "A    B\nééé  x\n");
  CHECK(render_table({"ONLY"}, {}) == "ONLY\n");
}

TEST_CASE("fields are aligned name: value lines") {
  CHECK(render_fields({{"id", "1"}, {"key version", "2"}}) == "id:           1\nkey version:  2\n");
}

TEST_CASE("a JSON line is the value written again, on one line") {
  const auto doc = json(R"({ "a" : [1, "two\n", null], "b": {"c": "\u001b"} })");
  CHECK(json_line(doc) == "{\"a\":[1,\"two\\n\",null],\"b\":{\"c\":\"\\u001B\"}}\n");
}
