// The list of names that load code. Each group cites where a reviewer can check it; a name is
// here when the documented effect is loading a library or module, reading start-up code, or
// running a command named by the value. Names that only choose data (certificates, time zones,
// TMPDIR) are not: a secret may well hold them. A secret PATH is allowed but chooses what is
// run (dotenv-run looks COMMAND up in the child's PATH); the man page says so.
#include "run/unsafe_names.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <iterator>

namespace dotenv_run {

namespace {

constexpr std::string_view kPrefixes[] = {
    // glibc ld.so(8): every LD_* variable is read by the dynamic linker (LD_PRELOAD,
    // LD_LIBRARY_PATH, LD_AUDIT, ...; glibc sysdeps/generic/unsecvars.h lists those it drops
    // for set-user-ID programs). DYLD_*: macOS dyld(1), the same for Mach-O programs.
    "LD_",
    "DYLD_",
    // bash(1) "FUNCTIONS": exported functions travel as BASH_FUNC_name%% and are defined at start-up.
    "BASH_FUNC_",
    // git-config(1) "ENVIRONMENT": GIT_CONFIG_KEY_<n>/GIT_CONFIG_VALUE_<n> set any option
    // (core.sshCommand, core.pager, core.fsmonitor run commands).
    "GIT_CONFIG_KEY_",
    "GIT_CONFIG_VALUE_",
    // lua(1) "ENVIRONMENT": the versioned forms of LUA_INIT, LUA_PATH and LUA_CPATH.
    "LUA_INIT_",
    "LUA_PATH_",
    "LUA_CPATH_",
};

constexpr std::string_view kNames[] = {
    // glibc sysdeps/generic/unsecvars.h (UNSECURE_ENVVARS), the entries that load or run code:
    // gconv modules (iconv(3)), getconf's helper programs, and the tunables (CVE-2023-4911).
    // Its other entries (HOSTALIASES, LOCALDOMAIN, LOCPATH, MALLOC_TRACE, NIS_PATH, NLSPATH,
    // RESOLV_HOST_CONF, RES_OPTIONS, TMPDIR, TZDIR) choose data files, not code.
    "GCONV_PATH",
    "GETCONF_DIR",
    "GLIBC_TUNABLES",
    // bash(1) "INVOCATION" and "Shell Variables", dash(1), zsh(1) "STARTUP/SHUTDOWN FILES",
    // ksh(1): start-up files, options, the prompts (expanded with command substitution),
    // autoloaded functions and loadable builtins.
    "BASH_ENV",
    "ENV",
    "SHELLOPTS",
    "BASHOPTS",
    "BASH_LOADABLES_PATH",
    "PS0",
    "PS1",
    "PS2",
    "PS4",
    "PROMPT_COMMAND",
    "IFS",
    "ZDOTDIR",
    "FPATH",
    // python(1) "ENVIRONMENT VARIABLES": module search paths, start-up files, the user site
    // directory (its .pth files run code), the bytecode cache, and the modules that
    // PYTHONWARNINGS categories and PYTHONBREAKPOINT import.
    "PYTHONPATH",
    "PYTHONHOME",
    "PYTHONSTARTUP",
    "PYTHONINSPECT",
    "PYTHONWARNINGS",
    "PYTHONBREAKPOINT",
    "PYTHONUSERBASE",
    "PYTHONPLATLIBDIR",
    "PYTHONPYCACHEPREFIX",
    // perlrun(1) "ENVIRONMENT".
    "PERL5LIB",
    "PERLLIB",
    "PERL5OPT",
    "PERL5DB",
    // ruby(1) "ENVIRONMENT".
    "RUBYOPT",
    "RUBYLIB",
    "RUBYPATH",
    "RUBYSHELL",
    // Node.js "Command-line API", "Environment variables".
    "NODE_OPTIONS",
    "NODE_PATH",
    "NODE_REPL_EXTERNAL_MODULE",
    // java(1) "Using the JDK_JAVA_OPTIONS Launcher Environment Variable", the JVM Tool Interface
    // (JAVA_TOOL_OPTIONS: -javaagent), HotSpot's _JAVA_OPTIONS, and the class path.
    "JAVA_TOOL_OPTIONS",
    "_JAVA_OPTIONS",
    "JDK_JAVA_OPTIONS",
    "CLASSPATH",
    // lua(1), php(1) "Configuration" (php.ini may name extensions and auto_prepend_file).
    "LUA_INIT",
    "LUA_PATH",
    "LUA_CPATH",
    "PHPRC",
    "PHP_INI_SCAN_DIR",
    // openssl-env(7) and config(5): a configuration file can load any engine or provider;
    // engines and providers are loaded from these directories.
    "OPENSSL_CONF",
    "OPENSSL_CONF_INCLUDE",
    "OPENSSL_ENGINES",
    "OPENSSL_MODULES",
    // GTK "Running and debugging GTK applications" and GIO "Running GIO applications": modules
    // loaded into every GTK or GIO program.
    "GTK_MODULES",
    "GTK3_MODULES",
    "GTK_PATH",
    "GTK_IM_MODULE_FILE",
    "GIO_EXTRA_MODULES",
    "GIO_MODULE_DIR",
    // git(1) "ENVIRONMENT VARIABLES" and git-config(1): commands git runs, where it finds its
    // programs, and configuration (which can name commands) from the environment.
    "GIT_ASKPASS",
    "GIT_CONFIG",
    "GIT_CONFIG_COUNT",
    "GIT_CONFIG_GLOBAL",
    "GIT_CONFIG_PARAMETERS",
    "GIT_CONFIG_SYSTEM",
    "GIT_DIR",
    "GIT_EDITOR",
    "GIT_EXEC_PATH",
    "GIT_EXTERNAL_DIFF",
    "GIT_PAGER",
    "GIT_PROXY_COMMAND",
    "GIT_SEQUENCE_EDITOR",
    "GIT_SSH",
    "GIT_SSH_COMMAND",
    "GIT_TEMPLATE_DIR",
    // ssh(1) "ENVIRONMENT": the program run for a passphrase.
    "SSH_ASKPASS",
    // less(1) "INPUT PREPROCESSOR": commands run on every file shown.
    "LESSOPEN",
    "LESSCLOSE",
    // environ(7): the editor and pager many programs run (git, man, crontab, sudoedit).
    "EDITOR",
    "VISUAL",
    "PAGER",
    "MANPAGER",
};

// kNames grouped by first character, each group by length: a look-up compares a name with the
// few entries of its first character and its length (a linear scan of every entry was most of
// the cost of checking 10,000 secrets). Built at compile time from the one list above.
struct NameTable {
  std::array<std::string_view, std::size(kNames)> names;
  std::array<std::size_t, 257> group;      // names[group[c], group[c + 1]) start with the character c
  std::array<std::uint32_t, 256> lengths;  // bit min(length, 31): a name starting with c is that long
  std::array<bool, 256> starts_prefix;     // some prefix starts with c
};

constexpr NameTable make_name_table() {
  NameTable table{};
  std::copy(std::begin(kNames), std::end(kNames), table.names.begin());
  std::sort(table.names.begin(), table.names.end(), [](std::string_view a, std::string_view b) {
    auto ca = static_cast<unsigned char>(a.front());
    auto cb = static_cast<unsigned char>(b.front());
    return ca != cb ? ca < cb : a.size() < b.size();
  });
  std::size_t i = 0;
  for (std::size_t c = 0; c <= 256; ++c) {
    while (i < table.names.size() && static_cast<unsigned char>(table.names[i].front()) < c) ++i;
    table.group[c] = i;
  }
  for (std::string_view name : table.names) {
    table.lengths[static_cast<unsigned char>(name.front())] |= std::uint32_t{1}
                                                               << std::min<std::size_t>(name.size(), 31);
  }
  for (std::string_view prefix : kPrefixes) table.starts_prefix[static_cast<unsigned char>(prefix.front())] = true;
  return table;
}

constexpr NameTable kNameTable = make_name_table();

}  // namespace

std::span<const std::string_view> code_loading_prefixes() { return kPrefixes; }

std::span<const std::string_view> code_loading_names() { return kNames; }

bool is_code_loading_name(std::string_view name) {
  if (name.empty()) return false;
  const auto first = static_cast<unsigned char>(name.front());
  if (kNameTable.starts_prefix[first]) {
    for (std::string_view prefix : kPrefixes) {
      if (name.starts_with(prefix)) return true;
    }
  }
  if ((kNameTable.lengths[first] >> std::min<std::size_t>(name.size(), 31) & 1) == 0) return false;
  for (std::size_t i = kNameTable.group[first]; i < kNameTable.group[first + 1]; ++i) {
    std::string_view listed = kNameTable.names[i];
    if (listed.size() > name.size()) break;
    if (listed == name) return true;
  }
  return false;
}

}  // namespace dotenv_run
