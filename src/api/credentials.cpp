// The stored login: one owner-only JSON file, opened once and checked by descriptor, replaced atomically.
#include "api/credentials.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>
#include <rapidjson/document.h>

#include "core/error.hpp"
#include "core/fd.hpp"
#include "core/json.hpp"
#include "core/sodium.hpp"

namespace dotenv_run {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxFileBytes = std::size_t{1} << 20;
constexpr std::size_t kMaxTokenBytes = 8192;
constexpr const char* kRelogin = "run dotenv-cloud login again";

Error refused(const fs::path& path, std::string_view why) {
  return Error(kExitConfig, fmt::format("{}: {}", path.string(), why));
}

std::string errno_text() { return std::strerror(errno); }

std::string file_name(const fs::path& file) { return file.filename().string(); }

// Makes `dir` (0700) if missing; its parent too (as $XDG_CONFIG_HOME or ~/.config).
void make_directory(const fs::path& dir) {
  for (const fs::path& p : {dir.parent_path(), dir}) {
    if (::mkdir(p.c_str(), 0700) != 0 && errno != EEXIST) {
      throw refused(p, fmt::format("cannot be created: {}", errno_text()));
    }
  }
}

// Opens the directory; -1 when it does not exist and `create` is false.
int open_directory(const fs::path& dir, bool create) {
  if (create) make_directory(dir);
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT && !create) return -1;
    throw refused(dir, fmt::format("cannot be opened: {}", errno_text()));
  }
  return fd;
}

// The directory decides who can replace the file, so it is yours and closed to others.
void check_directory(int fd, const fs::path& dir) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw refused(dir, errno_text());
  if (!S_ISDIR(st.st_mode)) throw refused(dir, "is not a directory");
  if (st.st_uid != ::geteuid()) {
    throw refused(dir, fmt::format("owned by uid {}, not by you; refused, since it holds your login", st.st_uid));
  }
  if ((st.st_mode & 077) != 0) {
    throw refused(dir, fmt::format("group or others have access (mode {:04o}); run chmod 700 {}", st.st_mode & 07777,
                                   dir.string()));
  }
}

// Reads the file through the directory's descriptor: nullopt when it does not exist.
std::optional<SecretString> read_file(int dir_fd, const fs::path& file, std::pmr::memory_resource* mem) {
  UniqueFd fd(::openat(dir_fd, file_name(file).c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0) {
    if (errno == ENOENT) return std::nullopt;
    if (errno == ELOOP) throw refused(file, "is a symbolic link; refused");
    throw refused(file, fmt::format("cannot be read: {}", errno_text()));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw refused(file, errno_text());
  if (!S_ISREG(st.st_mode)) throw refused(file, "is not a regular file");
  if (st.st_uid != ::geteuid()) {
    throw refused(file, fmt::format("owned by uid {}, not by you; refused", st.st_uid));
  }
  if ((st.st_mode & 077) != 0) {
    throw refused(file, fmt::format("group or others have access (mode {:04o}); run chmod 600 {}", st.st_mode & 07777,
                                    file.string()));
  }
  if (static_cast<std::size_t>(st.st_size) > kMaxFileBytes) throw refused(file, "is larger than 1 MiB");

  SecretString buffer(mem);
  buffer.resize(static_cast<std::size_t>(st.st_size) + 1);  // one more byte tells a file that grew
  std::size_t got = 0;
  while (got < buffer.size()) {
    ssize_t n = ::read(fd.get(), buffer.data() + got, buffer.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw refused(file, fmt::format("cannot be read: {}", errno_text()));
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  if (got > static_cast<std::size_t>(st.st_size)) throw refused(file, "changed while it was read; try again");
  buffer.resize(got);
  return buffer;
}

std::vector<std::pair<std::string, StoredLogin>> parse_entries(SecretString& text, const fs::path& file,
                                                               std::pmr::memory_resource* mem) {
  std::vector<std::pair<std::string, StoredLogin>> entries;
  rapidjson::Document doc;
  if (auto problem = parse_json_in_place(text.data(), text.size(), doc)) {
    throw refused(file, fmt::format("not valid JSON: {}; {}", *problem, kRelogin));
  }
  auto malformed = [&](std::string_view why) { return refused(file, fmt::format("{}; {}", why, kRelogin)); };
  if (!doc.IsObject()) throw malformed("not a JSON object");
  auto logins = doc.FindMember("logins");
  if (logins == doc.MemberEnd()) return entries;
  if (!logins->value.IsObject()) throw malformed("\"logins\" is not an object");
  for (auto& member : logins->value.GetObject()) {
    std::string url(member.name.GetString(), member.name.GetStringLength());
    if (!member.value.IsObject()) throw malformed("a login is not an object");
    StoredLogin login(mem);
    auto token = [&](const char* name, SecretString& out) {
      auto field = member.value.FindMember(name);
      if (field == member.value.MemberEnd() || !field->value.IsString()) {
        throw malformed(fmt::format("a login has no \"{}\"", name));
      }
      std::string_view value(field->value.GetString(), field->value.GetStringLength());
      if (!is_token_text(value)) throw malformed(fmt::format("a login's \"{}\" is malformed", name));
      out = secret_copy(value, mem);
    };
    token("access_token", login.access_token);
    token("refresh_token", login.refresh_token);
    if (auto field = member.value.FindMember("expires_at"); field != member.value.MemberEnd()) {
      if (!field->value.IsInt64()) throw malformed("a login's \"expires_at\" is not an integer");
      login.expires_at = field->value.GetInt64();
    }
    if (auto field = member.value.FindMember("user"); field != member.value.MemberEnd()) {
      if (!field->value.IsString()) throw malformed("a login's \"user\" is not a string");
      login.user.assign(field->value.GetString(), field->value.GetStringLength());
    }
    entries.emplace_back(std::move(url), std::move(login));
  }
  // The in-place parse decoded escapes inside `text`: it is secret scratch now, wipe it.
  wipe(text.data(), text.size());
  return entries;
}

void append_json_string(SecretString& out, std::string_view text) {
  out += '"';
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      out += fmt::format("\\u{:04x}", u);
    } else {
      out += c;
    }
  }
  out += '"';
}

SecretString serialized(const std::vector<std::pair<std::string, StoredLogin>>& entries,
                        std::pmr::memory_resource* mem) {
  std::size_t estimate = 64;
  for (const auto& [url, login] : entries) {
    estimate += 160 + 2 * (url.size() + login.access_token.size() + login.refresh_token.size() + login.user.size());
  }
  SecretString out(mem);
  out.reserve(estimate);  // one allocation: no copy of a token is left behind by a regrowth
  out += "{\n  \"logins\": {";
  bool first = true;
  for (const auto& [url, login] : entries) {
    out += first ? "\n    " : ",\n    ";
    first = false;
    append_json_string(out, url);
    out += ": {\n      \"access_token\": ";
    append_json_string(out, login.access_token);
    out += ",\n      \"refresh_token\": ";
    append_json_string(out, login.refresh_token);
    out += fmt::format(",\n      \"expires_at\": {}", login.expires_at);
    if (!login.user.empty()) {
      out += ",\n      \"user\": ";
      append_json_string(out, login.user);
    }
    out += "\n    }";
  }
  out += entries.empty() ? "}\n}\n" : "\n  }\n}\n";
  return out;
}

void sync_directory(int dir_fd, const fs::path& dir) {
  if (::fsync(dir_fd) != 0) throw refused(dir, fmt::format("cannot be synced: {}", errno_text()));
}

// A new file beside the old one, complete on disk before it takes the old one's name.
void replace_file(int dir_fd, const fs::path& file, std::string_view content) {
  ensure_sodium();
  unsigned char random[8];
  randombytes_buf(random, sizeof random);
  std::string temp = fmt::format(".{}.{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}", file_name(file), random[0],
                                 random[1], random[2], random[3], random[4], random[5], random[6], random[7]);
  UniqueFd fd(::openat(dir_fd, temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600));
  if (fd.get() < 0) throw refused(file, fmt::format("cannot be written: {}", errno_text()));
  auto fail = [&](std::string_view what) {
    const std::string why = fmt::format("cannot be {}: {}", what, errno_text());
    fd.reset();
    ::unlinkat(dir_fd, temp.c_str(), 0);
    return refused(file, why);
  };
  if (::fchmod(fd.get(), 0600) != 0) throw fail("written");
  std::size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw fail("written");
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0) throw fail("synced");
  if (::close(fd.release()) != 0) throw fail("written");
  if (::renameat(dir_fd, temp.c_str(), dir_fd, file_name(file).c_str()) != 0) throw fail("replaced");
  sync_directory(dir_fd, file.parent_path());
}

}  // namespace

bool is_token_text(std::string_view token) {
  if (token.empty() || token.size() > kMaxTokenBytes) return false;
  for (char c : token) {
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

std::optional<fs::path> credentials_path(const Lookup& env) {
  if (auto xdg = env.find("XDG_CONFIG_HOME"); xdg && !xdg->empty() && (*xdg)[0] == '/') {
    return fs::path(std::string(*xdg)) / "dotenv-cloud" / "credentials.json";
  }
  if (auto home = env.find("HOME"); home && !home->empty()) {
    return fs::path(std::string(*home)) / ".config" / "dotenv-cloud" / "credentials.json";
  }
  return std::nullopt;
}

std::string login_key(std::string_view api_url) {
  std::string key(api_url);
  if (key.ends_with('/')) key.pop_back();
  return key;
}

std::optional<StoredLogin> CredentialStore::load(std::string_view api_url, std::pmr::memory_resource* mem) const {
  UniqueFd dir(open_directory(file_.parent_path(), false));
  if (dir.get() < 0) return std::nullopt;
  std::optional<SecretString> text = read_file(dir.get(), file_, mem);
  if (!text) return std::nullopt;
  // Only a file that exists makes the directory matter: a 0755 one holding config.json
  // alone is no reason to fail a launch.
  check_directory(dir.get(), file_.parent_path());
  const std::string key = login_key(api_url);
  for (auto& [url, login] : parse_entries(*text, file_, mem)) {
    if (url == key) return std::move(login);
  }
  return std::nullopt;
}

void CredentialStore::store(std::string_view api_url, const StoredLogin& login, std::pmr::memory_resource* mem) const {
  Transaction t(*this, true, mem);
  t.put(api_url, login);
  t.commit();
}

bool CredentialStore::forget(std::string_view api_url, std::pmr::memory_resource* mem) const {
  Transaction t(*this, false, mem);
  if (!t.erase(api_url)) return false;
  t.commit();
  return true;
}

CredentialStore::Transaction::Transaction(const CredentialStore& store, bool create, std::pmr::memory_resource* mem)
    : store_(store), mem_(mem) {
  const fs::path dir = store.file().parent_path();
  UniqueFd fd(open_directory(dir, create));
  if (fd.get() < 0) return;
  check_directory(fd.get(), dir);
  while (::flock(fd.get(), LOCK_EX) != 0) {
    if (errno != EINTR) throw refused(dir, fmt::format("cannot be locked: {}", errno_text()));
  }
  if (std::optional<SecretString> text = read_file(fd.get(), store.file(), mem)) {
    entries_ = parse_entries(*text, store.file(), mem);
  }
  dir_fd_ = fd.release();
}

CredentialStore::Transaction::~Transaction() {
  if (dir_fd_ >= 0) ::close(dir_fd_);  // releases the lock
}

const StoredLogin* CredentialStore::Transaction::find(std::string_view api_url) const {
  const std::string key = login_key(api_url);
  for (const auto& [url, login] : entries_) {
    if (url == key) return &login;
  }
  return nullptr;
}

void CredentialStore::Transaction::put(std::string_view api_url, const StoredLogin& login) {
  if (!is_token_text(login.access_token) || !is_token_text(login.refresh_token)) {
    throw Error(kExitUnavailable, "the API sent a malformed token; nothing was stored");
  }
  StoredLogin copy(mem_);
  copy.access_token = secret_copy(login.access_token, mem_);
  copy.refresh_token = secret_copy(login.refresh_token, mem_);
  copy.expires_at = login.expires_at;
  copy.user = login.user;
  const std::string key = login_key(api_url);
  for (auto& [url, existing] : entries_) {
    if (url == key) {
      existing = std::move(copy);
      return;
    }
  }
  entries_.emplace_back(key, std::move(copy));
}

bool CredentialStore::Transaction::erase(std::string_view api_url) {
  const std::string key = login_key(api_url);
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->first == key) {
      entries_.erase(it);
      return true;
    }
  }
  return false;
}

void CredentialStore::Transaction::commit() {
  const fs::path& file = store_.file();
  if (dir_fd_ < 0) {
    if (entries_.empty()) return;
    throw Error(kExitSoftware, fmt::format("{}: the directory was not created", file.parent_path().string()));
  }
  if (entries_.empty()) {
    if (::unlinkat(dir_fd_, file_name(file).c_str(), 0) != 0 && errno != ENOENT) {
      throw refused(file, fmt::format("cannot be removed: {}", errno_text()));
    }
    sync_directory(dir_fd_, file.parent_path());
    return;
  }
  replace_file(dir_fd_, file, serialized(entries_, mem_));
}

}  // namespace dotenv_run
