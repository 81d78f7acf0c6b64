// Sealing a resolve answer for the offline fallback, and opening it again with the same checks as an API answer.
#include "api/fallback_seal.hpp"

#include <fmt/format.h>
#include <rapidjson/writer.h>
#include <sodium.h>

#include <array>

#include "core/error.hpp"
#include "core/json.hpp"
#include "core/sodium.hpp"

namespace dotenv_run {

namespace {

constexpr std::size_t kNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr std::size_t kTagBytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;
static_assert(SecretKey::size == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);

// RapidJSON's output stream over a string in secret memory (its StringBuffer uses the heap).
struct SecretStream {
  using Ch = char;
  SecretString& out;
  void Put(char c) { out.push_back(c); }
  void Flush() {}
};

using SecretWriter = rapidjson::Writer<SecretStream>;

void text(SecretWriter& w, std::string_view value) {
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

void member(SecretWriter& w, std::string_view name, std::string_view value) {
  text(w, name);
  text(w, value);
}

void named(SecretWriter& w, std::string_view name, std::string_view id, std::string_view slug) {
  text(w, name);
  w.StartObject();
  member(w, "id", id);
  member(w, "slug", slug);
  w.EndObject();
}

void write_levels(SecretWriter& w, const ResolveAnswer& answer) {
  text(w, "levels");
  w.StartArray();
  for (const ResolvedLevel& level : answer.levels) {
    w.StartObject();
    member(w, "level", level.level);
    member(w, "id", level.id);
    text(w, "version");
    if (level.version) {
      w.Int64(*level.version);
    } else {
      w.Null();
    }
    text(w, "key_version");
    if (level.key_version) {
      w.Uint(*level.key_version);
    } else {
      w.Null();
    }
    text(w, "blob");
    if (level.blob) {
      text(w, *level.blob);
    } else {
      w.Null();
    }
    w.EndObject();
  }
  w.EndArray();
}

void write_key(SecretWriter& w, const ResolvedKey& key) {
  text(w, "key");
  w.StartObject();
  member(w, "mode", key.mode);
  text(w, "version");
  w.Uint(key.version);
  if (key.key_b64) member(w, "key", *key.key_b64);
  if (key.proof) {
    text(w, "key_proof");
    w.StartObject();
    member(w, "algorithm", key.proof->algorithm);
    text(w, "iterations");
    w.Uint(key.proof->iterations);
    member(w, "salt", key.proof->salt);
    member(w, "proof", key.proof->proof);
    w.EndObject();
  }
  w.EndObject();
}

// The answer in the shape of the API's own (docs/api.md section 7), so it is read back by the
// same parser and passes the same checks.
SecretString plaintext_of(const ResolveAnswer& answer, std::int64_t written_at, std::pmr::memory_resource* mem) {
  SecretString out(mem);
  out.reserve(answer.body.size() + 512);
  SecretStream stream{out};
  SecretWriter w(stream);
  w.StartObject();
  text(w, "written_at");
  w.Int64(written_at);
  text(w, "data");
  w.StartObject();
  text(w, "organization");
  w.StartObject();
  member(w, "id", answer.org_id);
  w.EndObject();
  text(w, "project");
  w.StartObject();
  member(w, "id", answer.project_id);
  member(w, "slug", answer.project_slug);
  member(w, "encryption", answer.encryption);
  w.EndObject();
  for (const ResolvedLevel& level : answer.levels) {
    if (level.level != "project") named(w, level.level, level.id, level.slug);
  }
  write_levels(w, answer);
  write_key(w, answer.key);
  w.EndObject();
  w.EndObject();
  return out;
}

// The header, then the query: a file opens for its own query only.
std::string associated_data(const ResolveQuery& query) {
  return std::string(kFallbackHeader) + fallback_query_text(query);
}

std::int64_t written_at_of(const SecretString& plaintext, std::string_view what, std::pmr::memory_resource* mem) {
  SecretString copy(plaintext, mem);
  rapidjson::Document doc;
  const bool parsed = !parse_json_in_place(copy.data(), copy.size(), doc) && doc.IsObject();
  std::optional<std::int64_t> at;
  if (parsed) {
    const auto it = doc.FindMember("written_at");
    if (it != doc.MemberEnd() && it->value.IsInt64() && it->value.GetInt64() >= 0) at = it->value.GetInt64();
  }
  wipe(copy.data(), copy.size());
  if (!at) throw Error(kExitDataError, fmt::format("{}: opens but has no valid time", what));
  return *at;
}

}  // namespace

std::string fallback_query_text(const ResolveQuery& query) {
  // Views of the strings themselves: `a ? *b : std::string()` would view a temporary copy.
  const auto part = [](const std::optional<std::string>& text) {
    return text ? std::string_view(*text) : std::string_view();
  };
  std::string out;
  for (std::string_view text :
       {std::string_view(query.org), std::string_view(query.project), part(query.target), part(query.environment)}) {
    out += text;
    out += '\0';
  }
  return out;
}

std::string seal_fallback(const ResolveAnswer& answer, const ResolveQuery& query, std::int64_t written_at,
                          const SecretKey& fallback_key, std::pmr::memory_resource* mem) {
  ensure_sodium();
  SecretString plain = plaintext_of(answer, written_at, mem);
  const std::string ad = associated_data(query);
  std::string out(kFallbackHeader);
  const std::size_t start = out.size();
  out.resize(start + kNonceBytes + plain.size() + kTagBytes);
  auto* nonce = reinterpret_cast<unsigned char*>(out.data() + start);
  randombytes_buf(nonce, kNonceBytes);
  unsigned long long sealed_size = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      nonce + kNonceBytes, &sealed_size, reinterpret_cast<const unsigned char*>(plain.data()), plain.size(),
      reinterpret_cast<const unsigned char*>(ad.data()), ad.size(), nullptr, nonce, fallback_key.data());
  wipe(plain.data(), plain.size());
  out.resize(start + kNonceBytes + sealed_size);
  return out;
}

OpenedFallback open_fallback(std::string_view file, const ResolveQuery& query, const SecretKey& fallback_key,
                             std::string_view what, std::pmr::memory_resource* mem) {
  ensure_sodium();
  if (!file.starts_with(kFallbackHeader))
    throw Error(kExitDataError,
                fmt::format("{}: not a dotenv-run fallback file of a version this program reads", what));
  const std::string_view rest = file.substr(kFallbackHeader.size());
  if (rest.size() < kNonceBytes + kTagBytes) throw Error(kExitDataError, fmt::format("{}: cut short", what));
  const auto* nonce = reinterpret_cast<const unsigned char*>(rest.data());
  const std::string ad = associated_data(query);
  SecretString plain(mem);
  plain.resize(rest.size() - kNonceBytes - kTagBytes);
  unsigned long long plain_size = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(reinterpret_cast<unsigned char*>(plain.data()), &plain_size, nullptr,
                                                 nonce + kNonceBytes, rest.size() - kNonceBytes,
                                                 reinterpret_cast<const unsigned char*>(ad.data()), ad.size(), nonce,
                                                 fallback_key.data()) != 0) {
    throw Error(kExitDataError, fmt::format("{}: does not open: it was changed, belongs to another project, target or "
                                            "environment, or was sealed with another fallback key",
                                            what));
  }
  plain.resize(plain_size);
  const std::int64_t written_at = written_at_of(plain, what, mem);
  try {
    return OpenedFallback{parse_resolve_answer(std::move(plain), query), written_at};
  } catch (const Error& e) {
    throw Error(kExitDataError, fmt::format("{}: {}", what, e.what()));
  }
}

}  // namespace dotenv_run
