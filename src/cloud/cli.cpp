// getopt_long in "stop at the first non-option" mode, resumed after each command word, so
// options work before and after the command whatever POSIXLY_CORRECT says.
#include "cloud/cli.hpp"

#include <getopt.h>

#include <cerrno>
#include <cstdlib>
#include <iterator>
#include <utility>

#include <fmt/format.h>

#include "api/setting_options.hpp"
#include "core/error.hpp"
#include "core/text.hpp"

namespace dotenv_run {

namespace {

// The settings options (-o ... --timeout) come from api/setting_options.hpp, shared with dotenv-run.
enum LongOnly : int {
  kJson = kFirstProgramOption,
  kYes,
  kLimit,
  kName,
  kSlug,
  kClientManaged,
  kNewKeyFile,
  kFormat,
  kReplace,
  kReveal,
  kNoBrowser,
};

// "+" stops at each command word (the loop below resumes after it); ":" lets us word the errors.
constexpr const char* kShortOptions = "+:o:p:t:e:vhV";

// dotenv-cloud's own options; the whole table is the settings options followed by these.
// Registration point: later commands' options go here (and in apply_option below).
const struct option kLongOptions[] = {
    {"json", no_argument, nullptr, kJson},
    {"yes", no_argument, nullptr, kYes},
    {"limit", required_argument, nullptr, kLimit},
    {"name", required_argument, nullptr, kName},
    {"slug", required_argument, nullptr, kSlug},
    {"client-managed", no_argument, nullptr, kClientManaged},
    {"new-key-file", required_argument, nullptr, kNewKeyFile},
    {"format", required_argument, nullptr, kFormat},
    {"replace", no_argument, nullptr, kReplace},
    {"reveal", no_argument, nullptr, kReveal},
    {"no-browser", no_argument, nullptr, kNoBrowser},
    {"verbose", no_argument, nullptr, 'v'},
    {"help", no_argument, nullptr, 'h'},
    {"version", no_argument, nullptr, 'V'},
    {nullptr, 0, nullptr, 0},
};

constexpr std::pair<CommandOption, std::string_view> kCommandOptionNames[] = {
    {kOptionJson, "--json"},
    {kOptionYes, "--yes"},
    {kOptionLimit, "--limit"},
    {kOptionName, "--name"},
    {kOptionSlug, "--slug"},
    {kOptionClientManaged, "--client-managed"},
    {kOptionNewKeyFile, "--new-key-file"},
    {kOptionFormat, "--format"},
    {kOptionReplace, "--replace"},
    {kOptionReveal, "--reveal"},
    {kOptionNoBrowser, "--no-browser"},
};

Error usage(const std::string& message) { return Error(kExitUsage, message + " (see dotenv-cloud --help)"); }

const std::vector<option>& all_options() {
  static const std::vector<option> all = [] {
    std::vector<option> v(setting_options().begin(), setting_options().end());
    v.insert(v.end(), std::begin(kLongOptions), std::end(kLongOptions));
    return v;
  }();
  return all;
}

std::size_t parse_limit(const char* text) {
  errno = 0;
  char* end = nullptr;
  const unsigned long long value = std::strtoull(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || text[0] == '-' || value < 1 || value > 1'000'000) {
    throw usage(fmt::format("--limit takes a number from 1 to 1000000, not '{}'", text));
  }
  return static_cast<std::size_t>(value);
}

std::string parse_format(const char* text) {
  const std::string_view format(text);
  if (format != "env" && format != "json" && format != "shell") {
    throw usage(fmt::format("--format takes env, json or shell, not '{}'", sanitized(format)));
  }
  return std::string(format);
}

void apply_option(CommandLine& line, int c, const char* arg) {
  if (apply_setting_option(line.settings, c, arg, "dotenv-cloud")) return;
  switch (c) {
    case kJson:
      line.json = true;
      line.given |= kOptionJson;
      break;
    case kYes:
      line.yes = true;
      line.given |= kOptionYes;
      break;
    case kLimit:
      line.limit = parse_limit(arg);
      line.given |= kOptionLimit;
      break;
    case kName:
      line.name = arg;
      line.given |= kOptionName;
      break;
    case kSlug:
      line.slug = arg;
      line.given |= kOptionSlug;
      break;
    case kClientManaged:
      line.client_managed = true;
      line.given |= kOptionClientManaged;
      break;
    case kNewKeyFile:
      line.new_key_file = arg;
      line.given |= kOptionNewKeyFile;
      break;
    case kFormat:
      line.format = parse_format(arg);
      line.given |= kOptionFormat;
      break;
    case kReplace:
      line.replace = true;
      line.given |= kOptionReplace;
      break;
    case kReveal:
      line.reveal = true;
      line.given |= kOptionReveal;
      break;
    case kNoBrowser:
      line.no_browser = true;
      line.given |= kOptionNoBrowser;
      break;
    case 'v': ++line.verbose; break;
    case 'h': line.help = true; break;
    case 'V': line.version = true; break;
  }
}

[[noreturn]] void unknown_option(const char* given) {
  // getopt_long sets optopt to a long option's own code when it was given a value it does
  // not take ("--json=1"); only a short option's code is a character.
  if (optopt > 0 && optopt < 256) throw usage(fmt::format("unknown option '-{}'", static_cast<char>(optopt)));
  if (optopt >= 256) {
    std::string_view name(given);
    throw usage(fmt::format("option '{}' takes no value", name.substr(0, name.find('='))));
  }
  throw usage(fmt::format("unknown option '{}'", given));
}

}  // namespace

CommandLine parse_cloud_command_line(int argc, char* const argv[]) {
  CommandLine line;
  optind = 0;  // full re-initialisation, so tests can call this more than once
  opterr = 0;
  while (optind < argc || optind == 0) {
    const int before = optind == 0 ? 1 : optind;
    const int c = getopt_long(argc, argv, kShortOptions, all_options().data(), nullptr);
    if (c == -1) {
      if (optind > before && std::string_view(argv[optind - 1]) == "--") break;  // "--": the rest are words
      if (optind >= argc) break;
      line.words.emplace_back(argv[optind++]);  // a command word or argument; options may follow
      continue;
    }
    const char* given = argv[optind - 1];
    if (c == '?') unknown_option(given);
    if (c == ':') throw usage(fmt::format("option '{}' needs a value", given));
    apply_option(line, c, optarg);
  }
  for (int i = optind; i < argc; ++i) line.words.emplace_back(argv[i]);
  return line;
}

std::string_view command_option_name(CommandOption option) {
  for (const auto& [bit, name] : kCommandOptionNames) {
    if (bit == option) return name;
  }
  return "?";
}

std::vector<CommandOption> all_command_options() {
  std::vector<CommandOption> out;
  for (const auto& entry : kCommandOptionNames) out.push_back(entry.first);
  return out;
}

}  // namespace dotenv_run
