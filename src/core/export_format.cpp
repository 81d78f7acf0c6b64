// Rendering --export output in the three formats.
#include "core/export_format.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/names.hpp"

namespace dotenv_run {

namespace {

void append_env(SecretString& out, const Variable& v) {
  out.append(v.name).append("=\"");
  for (char c : v.value) {
    switch (c) {
      case '\\': out.append("\\\\"); break;
      case '"': out.append("\\\""); break;
      case '$': out.append("\\$"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      default: out.push_back(c);
    }
  }
  out.append("\"\n");
}

void append_json_string(SecretString& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      default:
        if (u < 0x20 || u == 0x7f) {
          out.append("\\u00");
          out.push_back(kHex[u >> 4]);
          out.push_back(kHex[u & 0xf]);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

void append_shell(SecretString& out, const Variable& v) {
  if (!is_shell_name(v.name)) {
    throw Error(kExitDataError, fmt::format("secret {} is not a valid shell name; use --format env or json", v.name));
  }
  out.append("export ").append(v.name).append("='");
  for (char c : v.value) {
    if (c == '\'') {
      out.append("'\\''");
    } else {
      out.push_back(c);
    }
  }
  out.append("'\n");
}

}  // namespace

SecretString render_export(const Variables& vars, ExportFormat format, std::pmr::memory_resource* mem) {
  SecretString out(mem);
  std::size_t estimate = 16;
  for (const Variable& v : vars) estimate += v.name.size() + v.value.size() * 2 + 16;
  out.reserve(estimate);
  if (format == ExportFormat::kJson) {
    out.push_back('{');
    for (std::size_t i = 0; i < vars.size(); ++i) {
      if (i > 0) out.push_back(',');
      append_json_string(out, vars[i].name);
      out.push_back(':');
      append_json_string(out, vars[i].value);
    }
    out.append("}\n");
    return out;
  }
  for (const Variable& v : vars) {
    if (format == ExportFormat::kEnv)
      append_env(out, v);
    else
      append_shell(out, v);
  }
  return out;
}

void write_stdout(std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::write(STDOUT_FILENO, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error(kExitSoftware, fmt::format("cannot write to standard output: {}", std::strerror(errno)));
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace dotenv_run
