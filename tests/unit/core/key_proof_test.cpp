// Tests of key proofs: RFC 7914 PBKDF2-HMAC-SHA256 vectors, PyNaCl-side proofs, and refused parameters.
#include <doctest/doctest.h>
#include <sodium.h>

#include <array>
#include <functional>
#include <string>
#include <vector>

#include "core/blob.hpp"
#include "core/error.hpp"
#include "core/key_proof.hpp"
#include "support/error_of.hpp"
#include "vectors/pynacl_vectors.hpp"

using namespace dotenv_run;

namespace {

std::string pbkdf2_hex(std::string_view password, std::string_view salt, unsigned long iterations) {
  std::array<unsigned char, 64> out{};
  pbkdf2_sha256(password, {reinterpret_cast<const unsigned char*>(salt.data()), salt.size()}, iterations, out);
  std::array<char, 129> hex{};
  sodium_bin2hex(hex.data(), hex.size(), out.data(), out.size());
  return hex.data();
}

std::string error_of(const std::function<void()>& f) {
  const testing::Failure failure = testing::failure_of(f);
  return failure.code == 0 ? failure.message : std::to_string(failure.code) + " " + failure.message;
}

}  // namespace

TEST_CASE("PBKDF2-HMAC-SHA256 gives the RFC 7914 section 11 test vectors") {
  CHECK(pbkdf2_hex("passwd", "salt", 1) ==
        "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
        "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783");
  CHECK(pbkdf2_hex("Password", "NaCl", 80000) ==
        "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
        "a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d");
}

TEST_CASE("key proofs made with Python's hashlib match the key") {
  const SecretKey key = SecretKey::from_base64(pynacl_vectors::kKeyB64, "test key");
  const SecretKey other = SecretKey::generate();
  for (const auto& v : pynacl_vectors::kProofs) {
    CAPTURE(v.name);
    const KeyProof proof{"pbkdf2-sha256", v.iterations, std::string(v.salt_b64), std::string(v.proof_b64)};
    CHECK(key_matches_proof(key, proof));
    CHECK_FALSE(key_matches_proof(other, proof));
  }
}

TEST_CASE("a fresh key proof matches its key and no other") {
  const SecretKey key = SecretKey::generate();
  const KeyProof proof = make_key_proof(key);
  CHECK(proof.algorithm == "pbkdf2-sha256");
  CHECK(proof.iterations == 210000);
  CHECK(proof.salt_b64.size() == 24);
  CHECK(proof.proof_b64.size() == 44);
  CHECK(key_matches_proof(key, proof));
  CHECK_FALSE(key_matches_proof(SecretKey::generate(), proof));
  CHECK(make_key_proof(key, 1000).salt_b64 != make_key_proof(key, 1000).salt_b64);
}

TEST_CASE("a key proof with unusable parameters is refused as bad data") {
  const SecretKey key = SecretKey::generate();
  const KeyProof good = make_key_proof(key, 1000);
  auto with = [&](auto change) {
    KeyProof p = good;
    change(p);
    return error_of([&] { key_matches_proof(key, p); });
  };
  CHECK(with([](KeyProof& p) { p.algorithm = "argon2id"; }) ==
        "65 key proof: unknown algorithm (only pbkdf2-sha256 is supported)");
  CHECK(with([](KeyProof& p) { p.iterations = 999; }) ==
        "65 key proof: 999 iterations is outside the accepted range 1000 to 10000000");
  CHECK(with([](KeyProof& p) { p.iterations = 10'000'001; }) ==
        "65 key proof: 10000001 iterations is outside the accepted range 1000 to 10000000");
  CHECK(with([](KeyProof& p) { p.salt_b64 = "not base64"; }) == "65 key proof: the salt is not base64 of 16 bytes");
  CHECK(with([](KeyProof& p) { p.salt_b64 = "AAAAAAAAAAAAAAAAAAAA"; }) ==
        "65 key proof: the salt is not base64 of 16 bytes");
  CHECK(with([](KeyProof& p) { p.proof_b64.pop_back(); }) == "65 key proof: the proof is not base64 of 32 bytes");
  CHECK(with([](KeyProof& p) { p.proof_b64 = "AAAA"; }) == "65 key proof: the proof is not base64 of 32 bytes");
  CHECK(with([](KeyProof&) {}) == "(no error)");
}
