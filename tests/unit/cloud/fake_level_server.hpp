// Test helper: an HttpClient that answers as the API does for one level (GET its secrets, GET key,
// PUT and DELETE /{org}/secrets with base_version), with hooks for a concurrent writer and for
// answers lost after the write was applied. Blobs are really sealed and opened.
#pragma once

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <rapidjson/document.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "api/http.hpp"
#include "core/blob.hpp"
#include "core/key.hpp"
#include "core/key_proof.hpp"
#include "core/secure_memory.hpp"

namespace dotenv_run::testing {

inline constexpr const char* kOrg = "01JE2E0TEST0RG000000000000";
inline constexpr const char* kLevelId = "01M8QCVHBJ5TXS8KNKA2KJV0W4";
inline constexpr const char* kBase = "https://api.example.test";

struct FakeRequest {
  Method method;
  std::string url, body;
};

class FakeLevelServer final : public HttpClient {
 public:
  // A server-managed project (client_managed false) or a client-managed one whose proof is of `key`.
  explicit FakeLevelServer(bool client_managed = false) : key(SecretKey::generate()), client_managed_(client_managed) {
    if (client_managed_) proof = make_key_proof(key, 1000);
  }

  // Puts `text` in the level as a new write (a new version), as another client would.
  void store(std::string_view text) {
    blob = seal_blob(text, key, key_version, kOrg, kLevelId);
    version = ++writes;
  }
  // A server-managed rotation: a new key one version up, the blob re-sealed with it, its version kept.
  void rotate() {
    const std::string now = text();
    key = SecretKey::generate();
    ++key_version;
    if (blob) blob = seal_blob(now, key, key_version, kOrg, kLevelId);
  }
  // The level's text now ("" without a blob).
  std::string text() {
    if (!blob) return {};
    SecretString t = open_blob(*blob, key, kOrg, kLevelId, "level", arena.resource());
    return std::string(t);
  }
  std::size_t count(Method method) const {
    std::size_t n = 0;
    for (const FakeRequest& r : requests) n += r.method == method ? 1 : 0;
    return n;
  }

  HttpResponse perform(const HttpRequest& request, std::pmr::memory_resource* memory) override {
    requests.push_back({request.method, request.url, std::string(request.body)});
    HttpResponse response(memory);
    response.request_id = fmt::format("req-{}", requests.size());
    const std::string path = request.url.substr(std::string(kBase).size());
    const std::string v1 = fmt::format("/api/v1/{}", kOrg);
    if (request.method == Method::kGet && path == v1 + "/api/key") {
      key_answer(response);
      if (after_key_read) after_key_read();
    } else if (request.method == Method::kGet && path.ends_with("/secrets")) {
      level_object(response, 200);
      if (after_level_read) after_level_read();
    } else if (path == v1 + "/secrets" && request.method == Method::kPut) {
      put(request, response);
    } else if (path == v1 + "/secrets" && request.method == Method::kDelete) {
      clear(request, response);
    } else {
      FAIL("unexpected request ", request.url);
    }
    return response;
  }

  SecretArena arena;
  SecretKey key;
  unsigned key_version = 2;
  KeyProof proof;
  std::optional<std::string> blob;
  std::optional<unsigned long long> version;
  unsigned long long writes = 0;
  std::vector<FakeRequest> requests;
  // Called before each PUT or DELETE is judged: another client's write lands first.
  std::function<void(unsigned write_number)> before_write;
  // Called after each GET of the level is answered: e.g. a rotation between a client's read and its write.
  std::function<void()> after_level_read;
  // Called after each GET of the key is answered.
  std::function<void()> after_key_read;
  // How many of the next writes are applied but answered with a 502 (the answer lost).
  unsigned lost_answers = 0;
  unsigned write_requests = 0;

 private:
  static void with(HttpResponse& r, long status, const std::string& body) {
    r.status = status;
    r.body.assign(body);
  }
  void level_object(HttpResponse& r, long status) {
    auto opt = [](const auto& v) { return v ? fmt::format("{}", *v) : std::string("null"); };
    const std::string blob_text = blob ? fmt::format("\"{}\"", *blob) : "null";
    return with(
        r, status,
        fmt::format(R"({{"data": {{"level": "environment", "id": "{}", "version": {}, "key_version": {}, "blob": {}, )"
                    R"("updated_at": null}}}})",
                    kLevelId, opt(version), blob ? std::to_string(key_version) : "null", blob_text));
  }
  void key_answer(HttpResponse& r) {
    if (!client_managed_)
      return with(
          r, 200,
          fmt::format(R"({{"data": {{"mode": "server", "version": {}, "key": "{}"}}}})", key_version, key.to_base64()));
    return with(r, 200,
                fmt::format(R"({{"data": {{"mode": "client", "version": {}, "key_proof": {{"algorithm": "{}", )"
                            R"("iterations": {}, "salt": "{}", "proof": "{}"}}}}}})",
                            key_version, proof.algorithm, proof.iterations, proof.salt_b64, proof.proof_b64));
  }
  void conflict(HttpResponse& r) {
    return with(r, 409,
                fmt::format(R"({{"message": "The level is at version {}.", "error": "version_conflict"}})",
                            version.value_or(0)));
  }
  // The base_version check and the lost-answer hook, shared by PUT and DELETE.
  bool conflicts(const rapidjson::Document& body) {
    if (before_write) before_write(++write_requests);
    return body.HasMember("base_version") && body["base_version"].GetUint64() != version.value_or(0);
  }
  void put(const HttpRequest& request, HttpResponse& r) {
    rapidjson::Document body;
    body.Parse(request.body.data(), request.body.size());
    REQUIRE(body.IsObject());
    if (body["key_version"].GetUint() != key_version)
      return with(r, 422,
                  R"({"message": "The key version is not current.", "error": "validation_failed", )"
                  R"("errors": {"key_version": ["The key version is not current."]}})");
    if (client_managed_ && (!body.HasMember("key_proof") || body["key_proof"].GetString() != proof.proof_b64))
      return with(r, 409, R"({"message": "The key proof does not match.", "error": "key_proof_mismatch"})");
    if (conflicts(body)) return conflict(r);
    blob = body["blob"].GetString();
    version = ++writes;
    if (lost_answers > 0) {
      --lost_answers;
      return with(r, 502, "");
    }
    level_object(r, 200);
  }
  void clear(const HttpRequest& request, HttpResponse& r) {
    rapidjson::Document body;
    body.Parse(request.body.data(), request.body.size());
    REQUIRE(body.IsObject());
    if (conflicts(body)) return conflict(r);
    blob.reset();
    version.reset();
    if (lost_answers > 0) {
      --lost_answers;
      return with(r, 502, "");
    }
    with(r, 204, "");
  }

  bool client_managed_;
};

}  // namespace dotenv_run::testing
