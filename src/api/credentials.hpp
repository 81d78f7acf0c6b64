// The stored login of `dotenv-cloud login`: access and refresh tokens per API URL, in
// $XDG_CONFIG_HOME/dotenv-cloud/credentials.json (else ~/.config/...), owner-only.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/lookup.hpp"
#include "core/secure_memory.hpp"

namespace dotenv_run {

// One login. The tokens live in secret memory only; the type cannot be copied (a copied
// std::pmr::string would land on the ordinary heap).
struct StoredLogin {
  explicit StoredLogin(std::pmr::memory_resource* mem) : access_token(mem), refresh_token(mem) {}
  StoredLogin(StoredLogin&&) = default;
  StoredLogin& operator=(StoredLogin&&) = default;
  StoredLogin(const StoredLogin&) = delete;
  StoredLogin& operator=(const StoredLogin&) = delete;
  ~StoredLogin() = default;

  SecretString access_token;
  SecretString refresh_token;
  std::int64_t expires_at = 0;  // Unix time the access token stops working; 0: unknown
  std::string user;             // who logged in (an email or a name), for messages; may be empty
};

// The file: $XDG_CONFIG_HOME/dotenv-cloud/credentials.json when XDG_CONFIG_HOME is an
// absolute path, else $HOME/.config/dotenv-cloud/credentials.json; nullopt when neither is set
// (a systemd unit often runs without HOME: no stored login then).
std::optional<std::filesystem::path> credentials_path(const Lookup& env);

// The key a login is stored under: the API URL with one trailing slash removed (as the
// client sends requests to it), so "https://api.example/" and "https://api.example" are one login.
std::string login_key(std::string_view api_url);

// A token as it may be stored and sent in an Authorization header or a form: 1 to 8192
// printable ASCII characters, no space.
bool is_token_text(std::string_view token);

// The logins of one credentials file. Every failure is Error(kExitConfig) with one line
// naming the file (or its directory), never a token:
// - the directory must be owned by you and have no group or other bits (chmod 700); it is
//   created (0700) by store() when missing, with its parent;
// - the file is opened once, without following a symbolic link, and checked by fstat: a
//   regular file owned by you, no group or other bits, at most 1 MiB, JSON that passes the
//   pre-scan, of the form {"logins": {"<api url>": {"access_token", "refresh_token",
//   "expires_at", "user"}}};
// - it is replaced atomically: a new file (O_EXCL, O_NOFOLLOW, 0600) in the same directory,
//   written, fsync'ed, renamed over the old one, and the directory fsync'ed;
// - every change is a read-modify-write under an exclusive flock on the directory, so two
//   programs storing at once do not lose each other's logins.
class CredentialStore {
 public:
  explicit CredentialStore(std::filesystem::path file) : file_(std::move(file)) {}
  const std::filesystem::path& file() const noexcept { return file_; }

  // The login stored for `api_url` (its login_key), or nullopt when there is none (no
  // directory, no file, or no entry). Reads without the lock: a reader sees the old or the
  // new file, never half of one.
  std::optional<StoredLogin> load(std::string_view api_url, std::pmr::memory_resource* mem) const;

  // Stores `login` for `api_url`, replacing that URL's entry and keeping the others.
  void store(std::string_view api_url, const StoredLogin& login, std::pmr::memory_resource* mem) const;

  // Removes the entry of `api_url`; deletes the file when no entry is left. False when there
  // was no entry (not an error).
  bool forget(std::string_view api_url, std::pmr::memory_resource* mem) const;

  // A read-modify-write that spans more than one step (a refresh: read the refresh token,
  // exchange it, store the new pair). Holds the directory's lock from construction to
  // destruction, so two programs refreshing one login at once do not both spend the same
  // single-use refresh token: the second sees the first's new pair.
  class Transaction {
   public:
    // `create`: make the directory when missing (store); otherwise a missing directory is
    // an empty store that cannot be committed.
    Transaction(const CredentialStore& store, bool create, std::pmr::memory_resource* mem);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

    const StoredLogin* find(std::string_view api_url) const;
    void put(std::string_view api_url, const StoredLogin& login);
    bool erase(std::string_view api_url);
    bool empty() const noexcept { return entries_.empty(); }
    // Writes the entries back atomically (or deletes the file when there are none).
    void commit();

   private:
    const CredentialStore& store_;
    std::pmr::memory_resource* mem_;
    int dir_fd_ = -1;
    std::vector<std::pair<std::string, StoredLogin>> entries_;
  };

 private:
  std::filesystem::path file_;
};

}  // namespace dotenv_run
